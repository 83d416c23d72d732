package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.Availability;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendContractTest;

/** rnn-core's backend contract on the GPU; skipped with the reason where no GPU is present. */
class CudaContractTest extends BackendContractTest {
    @Override
    protected Backend newBackend() {
        Availability a = new CudaBackendProvider().availability();
        assumeTrue(a.available(), "no GPU here: " + a);
        return new CudaBackendProvider().create();
    }
}

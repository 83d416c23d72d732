package io.rnn4j.backend.cuda;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendContractTest;

/**
 * rnn-core's backend contract on the GPU, or on the emulated device in the build (every fast path
 * alone and all together, on sm_90 and sm_80: see rnn-cuda's pom); skipped with the reason where
 * neither exists ({@link CudaTestSupport}).
 */
class CudaContractTest extends BackendContractTest {
    @Override
    protected Backend newBackend() {
        return CudaTestSupport.newBackend();
    }
}

package io.rnn4j.backend;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import org.junit.jupiter.api.Nested;

/** The backend contract on the CPU backend, with OpenBLAS (one and two threads) and with the Java GEMM. */
class CpuBackendContractTest {

    @Nested
    class OpenBlas extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(CpuBackendConfig.defaults());
        }
    }

    @Nested
    class OpenBlasOneThread extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(CpuBackendConfig.defaults().withThreads(1));
        }
    }

    @Nested
    class JavaGemm extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(CpuBackendConfig.defaults().withNativeBlas(false));
        }
    }
}

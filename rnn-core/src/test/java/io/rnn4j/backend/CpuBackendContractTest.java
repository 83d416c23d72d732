package io.rnn4j.backend;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import org.junit.jupiter.api.Nested;

/**
 * The backend contract on the CPU backend: OpenBLAS with the default thread count, one thread and
 * three threads (uneven splits), and the Java GEMM.
 */
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
    class OpenBlasThreeThreads extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new CpuBackend(CpuBackendConfig.defaults().withThreads(3));
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

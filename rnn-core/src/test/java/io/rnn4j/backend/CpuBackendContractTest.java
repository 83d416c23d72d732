package io.rnn4j.backend;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import org.junit.jupiter.api.Nested;

/**
 * The backend contract on the CPU backend: OpenBLAS with the default thread count, one thread and
 * three threads (uneven splits), the Java GEMM, and the {@link Backend} interface's default
 * step-by-step recurrences on top of the CPU kernels (the path the CUDA backend takes).
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

    @Nested
    class DefaultRecurrences extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return ForwardingBackend.hidingRecurrences(new CpuBackend(CpuBackendConfig.defaults()));
        }
    }
}

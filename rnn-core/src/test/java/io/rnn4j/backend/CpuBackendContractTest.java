package io.rnn4j.backend;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import org.junit.jupiter.api.Nested;

/**
 * The backend contract on the CPU backend: OpenBLAS with the default thread count, one thread and
 * three threads (uneven splits), the Java GEMM, and the {@link Backend} interface's default
 * step-by-step recurrences on top of the CPU kernels (the path the CUDA backend takes), and the
 * Elman recurrences forced to each split (by U's output columns with a barrier per step, and by
 * batch rows). In the build's second test run, with the Vector API module, every one of these also
 * runs the recurrences on the packed GEMM.
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

    /** The whole LSTM and GRU sweeps answered (as a GPU backend answers them), built from their steps. */
    @Nested
    class WholeGatedSweeps extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return new WholeSweepBackend(new CpuBackend());
        }
    }

    @Nested
    class DefaultRecurrences extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return ForwardingBackend.hidingRecurrences(new CpuBackend(CpuBackendConfig.defaults()));
        }
    }

    @Nested
    class ColumnSplitThreeThreads extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return withSplit("columns", 3);
        }
    }

    @Nested
    class RowSplitTwoThreads extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return withSplit("rows", 2);
        }
    }

    /** The CPU backend's own whole gated sweeps, on OpenBLAS (as without the Vector API module), both splits. */
    @Nested
    class CpuGatedSweepsByUnits extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return withProperties(2, "rnn4j.cpu.wholeSweeps", "true", "rnn4j.cpu.gatedSplit", "units");
        }
    }

    @Nested
    class CpuGatedSweepsByRows extends BackendContractTest {
        @Override
        protected Backend newBackend() {
            return withProperties(3, "rnn4j.cpu.wholeSweeps", "true", "rnn4j.cpu.gatedSplit", "rows");
        }
    }

    /** A CPU backend built while the given system properties are set (they are read at construction or use). */
    static Backend withProperties(int threads, String... keyValues) {
        String[] old = new String[keyValues.length / 2];
        for (int i = 0; i < old.length; i++) {
            old[i] = System.getProperty(keyValues[2 * i]);
            System.setProperty(keyValues[2 * i], keyValues[2 * i + 1]);
        }
        try {
            return new CpuBackend(CpuBackendConfig.defaults().withThreads(threads));
        } finally {
            for (int i = 0; i < old.length; i++) {
                if (old[i] == null) {
                    System.clearProperty(keyValues[2 * i]);
                } else {
                    System.setProperty(keyValues[2 * i], old[i]);
                }
            }
        }
    }

    /** A CPU backend whose recurrences take the given split whatever the shape (read at construction). */
    static Backend withSplit(String split, int threads) {
        String key = "rnn4j.cpu.recurrentSplit";
        String old = System.getProperty(key);
        System.setProperty(key, split);
        try {
            return new CpuBackend(CpuBackendConfig.defaults().withThreads(threads));
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }
}

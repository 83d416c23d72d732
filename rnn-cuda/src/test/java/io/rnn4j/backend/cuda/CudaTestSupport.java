package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.Availability;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where rnn-cuda's GPU tests run: on a GPU, or on the emulated CUDA device that the build makes
 * ({@code rnn-cuda/emulator}; the build passes its folder as {@code rnn4j.test.emulator}). Without
 * either the tests skip, saying why; where the build made the emulated device and the backend still
 * cannot use it, they fail: a GPU test that silently skips on the CPU machine does not exist.
 */
final class CudaTestSupport {
    /** The emulated device's folder when the build runs the tests on it, else null. */
    static final String EMULATOR = System.getProperty("rnn4j.test.emulator");
    private static boolean told;

    private CudaTestSupport() {
    }

    /** Whether the build made the emulated device (its libraries exist). */
    static boolean emulatorBuilt() {
        return EMULATOR != null && Files.exists(Path.of(EMULATOR, "lib", "libcuda.so.1"));
    }

    /** Skips the test where no CUDA device answers (saying why); fails where the emulated device was built but does not. */
    static void assumeDevice() {
        Availability a = new CudaBackendProvider().availability();
        if (a.available()) {
            return;
        }
        if (emulatorBuilt()) {
            fail("the emulated CUDA device was built in " + EMULATOR + " but the CUDA backend cannot use it: " + a);
        }
        String why = "no CUDA device here: " + a + (EMULATOR != null
                ? "; the emulated device was not built (it needs g++: see rnn-cuda/emulator/README.md)" : "");
        synchronized (CudaTestSupport.class) {
            if (!told) {
                System.out.println("rnn-cuda GPU tests skipped: " + why);
                told = true;
            }
        }
        assumeTrue(false, why);
    }

    /** A new CUDA backend, or the test skips or fails as {@link #assumeDevice()} says. */
    static CudaBackend newBackend() {
        assumeDevice();
        return (CudaBackend) new CudaBackendProvider().create();
    }

    /** Whether the tests run on the emulated device (small shapes: the emulator runs a GPU's threads on 2 cores). */
    static boolean emulated() {
        return emulatorBuilt() && new CudaBackendProvider().availability().available();
    }
}

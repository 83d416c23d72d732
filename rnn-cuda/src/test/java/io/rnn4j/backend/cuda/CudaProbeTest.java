package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Availability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe's decisions, on stand-in natives: each failure gives its own reason, and the file search is no gate. */
class CudaProbeTest {

    /** A machine whose every native step works, unless a test changes it. */
    static class Fake implements CudaProbe.Natives {
        String driverFile = "/usr/lib/x86_64-linux-gnu/libcuda.so.1";
        Throwable runtime;
        int driver = 13000;
        Throwable driverError;
        int devices = 1;
        Throwable cublas;
        Throwable nvrtc;
        Throwable compile;
        final List<String> compiled = new ArrayList<>();

        private static void rethrow(Throwable t) {
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }

        @Override
        public String findDriverLibrary() {
            return driverFile;
        }

        @Override
        public void loadRuntime() {
            rethrow(runtime);
        }

        @Override
        public int driverVersion() {
            rethrow(driverError);
            return driver;
        }

        @Override
        public int deviceCount() {
            return devices;
        }

        @Override
        public String architecture(int device) {
            return "sm_90";
        }

        @Override
        public void loadCublas() {
            rethrow(cublas);
        }

        @Override
        public void loadNvrtc() {
            rethrow(nvrtc);
        }

        @Override
        public void compileKernels(String arch) {
            rethrow(compile);
            compiled.add(arch);
        }
    }

    @Test
    void aWorkingMachineIsAvailableAndTheKernelsAreCompiledInTheProbe() {
        Fake f = new Fake();
        assertTrue(CudaProbe.probe(f).available());
        assertEquals(List.of("sm_90"), f.compiled, "compiled once, for the device's architecture");
    }

    @Test
    void aDriverThatNoFolderListsIsStillAsked() {
        Fake f = new Fake();
        f.driverFile = null; // e.g. mounted in a folder only the loader knows
        Availability a = CudaProbe.probe(f);
        assertTrue(a.available(), "the driver answered, so the file search must not veto it: " + a);
    }

    @Test
    void noDriverAnywhereSaysSoExactly() {
        Fake f = new Fake();
        f.driverFile = null;
        f.driver = 0;
        Availability a = CudaProbe.probe(f);
        assertFalse(a.available());
        assertTrue(a.reason().startsWith("no CUDA driver: libcuda.so.1 is not in LD_LIBRARY_PATH, the linker cache"),
                a.reason());
        f.driverError = new IllegalStateException("cudaDriverGetVersion: CUDA error 35");
        a = CudaProbe.probe(f);
        assertFalse(a.available());
        assertSame(f.driverError, a.cause());
        f.runtime = new UnsatisfiedLinkError("no jnicudart");
        a = CudaProbe.probe(f);
        assertTrue(a.reason().contains("the CUDA bindings (which need libcuda.so.1 and libcudart.so.13) could not be loaded"),
                a.reason());
    }

    @Test
    void aDriverFoundButSilentIsNamed() {
        Fake f = new Fake();
        f.driver = 0;
        Availability a = CudaProbe.probe(f);
        assertTrue(a.reason().contains("/usr/lib/x86_64-linux-gnu/libcuda.so.1 does not answer"), a.reason());
    }

    @Test
    void eachLaterStepHasItsOwnReason() {
        Fake f = new Fake();
        f.driver = 12040;
        assertTrue(CudaProbe.probe(f).reason().contains("CUDA driver too old: it supports CUDA 12.4"));
        f = new Fake();
        f.devices = 0;
        assertTrue(CudaProbe.probe(f).reason().startsWith("no CUDA device"));
        f = new Fake();
        f.cublas = new UnsatisfiedLinkError("libcublas.so.13");
        assertTrue(CudaProbe.probe(f).reason().startsWith("cuBLAS library not found"));
        f = new Fake();
        f.nvrtc = new UnsatisfiedLinkError("libnvrtc.so.13");
        assertTrue(CudaProbe.probe(f).reason().startsWith("NVRTC library not found"));
    }

    @Test
    void kernelsThatDoNotCompileMakeTheBackendUnavailableInsteadOfFailingLater() {
        Fake f = new Fake();
        f.compile = new IllegalStateException("nvrtcCompileProgram(kernels.cu, sm_90) failed: NVRTC_ERROR_BUILTIN_OPERATION_FAILURE\n"
                + "libnvrtc-builtins.so.13.0: cannot open shared object file");
        Availability a = CudaProbe.probe(f);
        assertFalse(a.available());
        assertTrue(a.reason().contains("the fused kernels do not compile for sm_90"), a.reason());
        assertTrue(a.reason().contains("NVRTC_ERROR_BUILTIN_OPERATION_FAILURE"), a.reason());
        assertFalse(a.reason().contains("cannot open shared object file"), "first line only in the reason");
        assertSame(f.compile, a.cause());
    }

    @Test
    void anUnexpectedErrorIsAReasonNotAThrow() {
        Fake f = new Fake() {
            @Override
            public String architecture(int device) {
                throw new OutOfMemoryError("stand-in");
            }
        };
        Availability a = CudaProbe.probe(f);
        assertFalse(a.available());
        assertTrue(a.reason().contains("compute capability"), a.reason());
    }

    @Test
    void theLibrarySearchLooksAtTheGivenPathThenTheFoldersThenTheLinkerCache(@TempDir Path dir) throws Exception {
        assertNull(CudaProbe.findLibrary("libnothing.so.7", dir.toString(), dir.resolve("absent.cache")));
        Files.createFile(dir.resolve("libnothing.so.7"));
        assertEquals(dir.resolve("libnothing.so.7").toString(),
                CudaProbe.findLibrary("libnothing.so.7", "/nonexistent:" + dir, null));
        Path cache = dir.resolve("ld.so.cache");
        Files.write(cache, "glibc-ld.so.cache1.1\0libother.so.3\0/opt/x/libother.so.3\0".getBytes());
        assertTrue(CudaProbe.findLibrary("libother.so.3", null, cache).startsWith("the linker cache"));
        assertTrue(CudaProbe.DRIVER_FOLDERS.contains("/usr/local/nvidia/lib"));
        assertTrue(CudaProbe.DRIVER_FOLDERS.contains("/usr/local/nvidia/lib64"));
    }
}

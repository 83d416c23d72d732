package io.rnn4j.backend.cuda;

import io.rnn4j.backend.Availability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds out once per class loader whether this machine can run the CUDA backend, and why not. The
 * probe goes as far as {@link CudaBackend}'s construction needs: the runtime loads, the driver
 * answers and is new enough, a device exists, cuBLAS and NVRTC load, and the fused kernels compile
 * for the device (the cubin is cached, so the backend does not compile again). Every native step
 * is guarded ({@code Throwable} caught), so a failed load never poisons later class loading.
 *
 * <p>Finding {@code libcuda.so.1} is not a condition: where the file is not found by path (a driver
 * mounted in a folder that only the linker cache names, say), the runtime is still loaded and the
 * driver asked; the file search only makes the reason exact when the driver does not answer.
 */
final class CudaProbe {
    /** CUDA 13.0 as reported by cudaDriverGetVersion (1000·major + 10·minor). */
    static final int MIN_DRIVER = 13000;

    /** The native steps of a probe: the real ones call CUDA ({@link CudaNatives}); tests use stand-ins. */
    interface Natives {
        /** Where {@code libcuda.so.1} was found (a path, or "the linker cache"), or null. */
        String findDriverLibrary();

        /** Loads the CUDA runtime bindings; throws when they cannot load. */
        void loadRuntime();

        /** cudaDriverGetVersion: 0 when no driver is loaded; throws naming the error code. */
        int driverVersion();

        /** cudaGetDeviceCount; throws naming the error code. */
        int deviceCount();

        /** The real architecture of a device, e.g. {@code sm_90}. */
        String architecture(int device);

        /** Loads cuBLAS; throws when it cannot. */
        void loadCublas();

        /** Loads NVRTC; throws when it cannot. */
        void loadNvrtc();

        /** Compiles the fused kernels for {@code arch} (cached for the backend); throws with the compiler's reason. */
        void compileKernels(String arch);
    }

    private static final class Holder {
        static final Availability RESULT = probe(new CudaNatives());
    }

    private CudaProbe() {
    }

    /** The cached answer for this machine. */
    static Availability availability() {
        return Holder.RESULT;
    }

    /** Runs the probe on {@code n}. Never throws. */
    static Availability probe(Natives n) {
        try {
            return steps(n);
        } catch (Throwable t) {
            return Availability.unavailable("the CUDA probe failed unexpectedly", t);
        }
    }

    private static Availability steps(Natives n) {
        String driverFile = n.findDriverLibrary();
        try {
            n.loadRuntime();
        } catch (Throwable t) {
            return Availability.unavailable(driverFile == null
                    ? "no CUDA driver: libcuda.so.1 is not in LD_LIBRARY_PATH, the linker cache or the usual folders, "
                            + "and the CUDA bindings (which need libcuda.so.1 and libcudart.so.13) could not be loaded"
                    : "the CUDA 13 runtime could not be loaded (libcudart.so.13 not found or not loadable; put the "
                            + "CUDA 13 libraries on LD_LIBRARY_PATH); the driver is at " + driverFile, t);
        }
        int version;
        try {
            version = n.driverVersion();
        } catch (Throwable t) {
            return Availability.unavailable(noDriver(driverFile), t);
        }
        if (version <= 0) {
            return Availability.unavailable(noDriver(driverFile));
        }
        if (version < MIN_DRIVER) {
            return Availability.unavailable("CUDA driver too old: it supports CUDA " + (version / 1000) + "."
                    + (version % 1000 / 10) + ", rnn4j needs CUDA 13.0 (driver 580 or newer)");
        }
        int count;
        try {
            count = n.deviceCount();
        } catch (Throwable t) {
            return Availability.unavailable("no usable CUDA device (cudaGetDeviceCount failed)", t);
        }
        if (count <= 0) {
            return Availability.unavailable("no CUDA device: the driver (CUDA " + (version / 1000) + "."
                    + (version % 1000 / 10) + ") sees none");
        }
        String arch;
        try {
            arch = n.architecture(0);
        } catch (Throwable t) {
            return Availability.unavailable("the compute capability of CUDA device 0 could not be read", t);
        }
        try {
            n.loadCublas();
        } catch (Throwable t) {
            return Availability.unavailable("cuBLAS library not found (libcublas.so.13 and libcublasLt.so.13)", t);
        }
        try {
            n.loadNvrtc();
        } catch (Throwable t) {
            return Availability.unavailable("NVRTC library not found (libnvrtc.so.13)", t);
        }
        try {
            n.compileKernels(arch);
        } catch (Throwable t) {
            return Availability.unavailable("the fused kernels do not compile for " + arch + " with this NVRTC (a "
                    + "missing libnvrtc-builtins.so.13.x next to libnvrtc.so.13 is the usual cause): "
                    + firstLine(t.getMessage()), t);
        }
        return Availability.ok();
    }

    private static String noDriver(String driverFile) {
        return driverFile == null
                ? "no CUDA driver: libcuda.so.1 is not in LD_LIBRARY_PATH, the linker cache or the usual folders, and "
                        + "the CUDA runtime finds no driver (no NVIDIA driver installed, or not visible here)"
                : "the CUDA driver at " + driverFile + " does not answer (cudaDriverGetVersion)";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The folders searched for {@code libcuda.so.1}, after LD_LIBRARY_PATH. */
    static final List<String> DRIVER_FOLDERS = List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/lib/x86_64-linux-gnu", "/lib64", "/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/wsl/lib",
            "/usr/local/cuda/compat", "/usr/lib/aarch64-linux-gnu");

    /**
     * Where {@code name} is: the first folder of {@code ldLibraryPath}, then of {@link #DRIVER_FOLDERS},
     * that holds it; else "the linker cache" when {@code ldCache} names it; else null.
     */
    static String findLibrary(String name, String ldLibraryPath, Path ldCache) {
        List<String> dirs = new ArrayList<>();
        if (ldLibraryPath != null) {
            dirs.addAll(List.of(ldLibraryPath.split(":")));
        }
        dirs.addAll(DRIVER_FOLDERS);
        for (String d : dirs) {
            if (!d.isEmpty() && Files.exists(Path.of(d, name))) {
                return Path.of(d, name).toString();
            }
        }
        try {
            if (ldCache != null && Files.isReadable(ldCache)
                    && new String(Files.readAllBytes(ldCache), StandardCharsets.ISO_8859_1).contains(name)) {
                return "the linker cache (" + ldCache + ")";
            }
        } catch (java.io.IOException | RuntimeException e) {
            // An unreadable cache is the same as no cache.
        }
        return null;
    }
}

package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaRuntimeGetVersion;

import io.rnn4j.backend.Availability;
import org.bytedeco.javacpp.Loader;

/**
 * Finds out once per class loader whether this machine can run the CUDA backend, and why not.
 * Every native step is guarded ({@code Throwable} caught), so a failed load never poisons later
 * class loading; the answer is cached.
 */
final class CudaProbe {
    /** CUDA 13.0 as reported by cudaDriverGetVersion (1000·major + 10·minor). */
    static final int MIN_DRIVER = 13000;

    private static final Availability RESULT = probe();

    private CudaProbe() {
    }

    static Availability availability() {
        return RESULT;
    }

    private static Availability probe() {
        if (findLibrary("libcuda.so.1") == null) {
            return Availability.unavailable("no CUDA driver: libcuda.so.1 not found (no NVIDIA driver installed, "
                    + "or not on LD_LIBRARY_PATH)");
        }
        try {
            Loader.load(org.bytedeco.cuda.global.cudart.class);
        } catch (Throwable t) {
            return Availability.unavailable("the CUDA 13 runtime could not be loaded (libcudart.so.13 not found or "
                    + "not loadable; put the CUDA 13 libraries on LD_LIBRARY_PATH)", t);
        }
        int[] v = new int[1];
        try {
            int rc = cudaDriverGetVersion(v);
            if (rc != 0 || v[0] == 0) {
                return Availability.unavailable("no CUDA driver: libcuda.so.1 not found or not loadable");
            }
            if (v[0] < MIN_DRIVER) {
                return Availability.unavailable("CUDA driver too old: it supports CUDA " + (v[0] / 1000) + "."
                        + (v[0] % 1000 / 10) + ", rnn4j needs CUDA 13.0 (driver 580 or newer)");
            }
            int[] rt = new int[1];
            cudaRuntimeGetVersion(rt);
            int[] n = new int[1];
            rc = cudaGetDeviceCount(n);
            if (rc != 0 || n[0] == 0) {
                return Availability.unavailable("no CUDA device (cudaGetDeviceCount returned " + rc + ", " + n[0]
                        + " devices)");
            }
        } catch (Throwable t) {
            return Availability.unavailable("CUDA driver query failed", t);
        }
        try {
            Loader.load(org.bytedeco.cuda.global.cublas.class);
        } catch (Throwable t) {
            return Availability.unavailable("cuBLAS library not found (libcublas.so.13)", t);
        }
        try {
            Loader.load(org.bytedeco.cuda.global.nvrtc.class);
        } catch (Throwable t) {
            return Availability.unavailable("NVRTC library not found (libnvrtc.so.13)", t);
        }
        return Availability.ok();
    }

    /** The first directory of LD_LIBRARY_PATH or the usual system directories that holds {@code name}, or null. */
    static java.nio.file.Path findLibrary(String name) {
        java.util.List<String> dirs = new java.util.ArrayList<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs.addAll(java.util.List.of(ld.split(":")));
        }
        dirs.addAll(java.util.List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu",
                "/lib64", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib", "/usr/local/cuda/compat",
                "/usr/lib/aarch64-linux-gnu"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            java.nio.file.Path p = java.nio.file.Path.of(d, name);
            if (java.nio.file.Files.exists(p)) {
                return p;
            }
        }
        return null;
    }
}

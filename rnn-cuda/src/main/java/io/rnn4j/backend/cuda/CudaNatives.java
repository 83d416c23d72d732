package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMajor;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMinor;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;

import java.nio.file.Path;
import org.bytedeco.javacpp.Loader;

/** The real native steps of {@link CudaProbe}. */
final class CudaNatives implements CudaProbe.Natives {

    @Override
    public String findDriverLibrary() {
        return CudaProbe.findLibrary("libcuda.so.1", System.getenv("LD_LIBRARY_PATH"), Path.of("/etc/ld.so.cache"));
    }

    @Override
    public void loadRuntime() {
        Loader.load(org.bytedeco.cuda.global.cudart.class);
    }

    @Override
    public int driverVersion() {
        int[] v = new int[1];
        int rc = cudaDriverGetVersion(v);
        if (rc != 0) {
            throw new IllegalStateException("cudaDriverGetVersion: " + CudaErrors.cudaMessage(rc));
        }
        return v[0];
    }

    @Override
    public int deviceCount() {
        int[] n = new int[1];
        CudaErrors.cuda(cudaGetDeviceCount(n), "cudaGetDeviceCount");
        return n[0];
    }

    @Override
    public String architecture(int device) {
        int[] major = new int[1];
        int[] minor = new int[1];
        CudaErrors.cuda(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device),
                "cudaDeviceGetAttribute(major)");
        CudaErrors.cuda(cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, device),
                "cudaDeviceGetAttribute(minor)");
        return "sm_" + major[0] + minor[0];
    }

    @Override
    public void loadCublas() {
        Loader.load(org.bytedeco.cuda.global.cublas.class);
    }

    @Override
    public void loadNvrtc() {
        Loader.load(org.bytedeco.cuda.global.nvrtc.class);
    }

    @Override
    public void compileKernels(String arch) {
        Nvrtc.kernels(arch);
    }
}

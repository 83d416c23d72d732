package io.rnn4j.backend.cuda;

import static io.rnn4j.backend.cuda.CudaErrors.blas;
import static io.rnn4j.backend.cuda.CudaErrors.cu;
import static io.rnn4j.backend.cuda.CudaErrors.cuda;
import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetWorkspace_v2;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrCooperativeLaunch;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrMaxSharedMemoryPerBlockOptin;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrMultiProcessorCount;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaHostAlloc;
import static org.bytedeco.cuda.global.cudart.cudaHostAllocMapped;
import static org.bytedeco.cuda.global.cudart.cudaHostGetDevicePointer;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The device resources of a {@link CudaBackend}: the stream, the cuBLAS handle (and its fixed
 * workspace when steps are captured), the kernels' module, the device scratch and the kernels'
 * error flag, with the device's facts (architecture, multiprocessors, cooperative launch).
 * {@link #start} creates them in order; {@link #release} frees whatever exists.
 */
final class CudaDevice {
    /**
     * The scratch, zeroed at start: at 0 the accumulator that the per-call kernels zero and finish;
     * then the self-cleaning accumulator and block counter of the one-launch reductions
     * ({@link #ACC}, {@link #DONE}), the persistent kernels' grid barrier ({@link #BARRIER}) and the
     * gated update's control words ({@link #CONTROL}).
     */
    static final int ACC = 8;
    static final int DONE = 16;
    static final int BARRIER = 24;
    static final int CONTROL = 32;
    private static final int SCRATCH_BYTES = 64;
    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;

    final int index;
    final boolean tf32;
    String arch;
    int multiprocessors;
    boolean cooperative;
    /** The most shared memory a block may opt in to (bytes). */
    int sharedOptIn;
    final CUstream_st stream = new CUstream_st();
    final cublasContext cublas = new cublasContext();
    private final CUmod_st module = new CUmod_st();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    final KernelArgs args = new KernelArgs();
    long scratch;
    private long cublasWorkspace;
    /** The kernels' error flag: pinned, mapped host memory, and its device address. */
    private IntPointer errorHost;
    long errorDevice;
    private final CudaBuffers.Address pa = new CudaBuffers.Address();

    CudaDevice(int index, boolean tf32) {
        this.index = index;
        this.tf32 = tf32;
    }

    /** Creates everything; {@code fixedWorkspace}: give cuBLAS a fixed workspace (captured GEMMs must not allocate). */
    void start(boolean fixedWorkspace) {
        makeCurrent();
        this.arch = new CudaNatives().architecture(index);
        cuda(cudaFree(null), "cudaFree(null) (binds the primary context)");
        // Non-blocking: work that other code in the process queues on the legacy default stream neither waits
        // for this stream nor, during a capture, invalidates the captured step.
        cuda(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags(non-blocking)");
        blas(cublasCreate_v2(cublas), "cublasCreate");
        blas(cublasSetStream_v2(cublas, stream), "cublasSetStream");
        blas(cublasSetMathMode(cublas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        byte[] cubin = Nvrtc.kernels(arch);
        cu(cuModuleLoadData(module, new BytePointer(cubin)), "cuModuleLoadData(kernels, " + arch + ")");
        for (String k : KernelSource.KERNELS) {
            CUfunc_st f = new CUfunc_st();
            cu(cuModuleGetFunction(f, module, k), "cuModuleGetFunction(" + k + ")");
            functions.put(k, f);
        }
        this.scratch = malloc(SCRATCH_BYTES);
        cuda(cudaMemsetAsync(pa.aim(scratch), 0, SCRATCH_BYTES, stream), "cudaMemsetAsync(scratch)");
        int[] v = new int[1];
        cuda(cudaDeviceGetAttribute(v, cudaDevAttrMultiProcessorCount, index), "cudaDeviceGetAttribute(SMs)");
        this.multiprocessors = v[0];
        cuda(cudaDeviceGetAttribute(v, cudaDevAttrCooperativeLaunch, index), "cudaDeviceGetAttribute(cooperative)");
        this.cooperative = v[0] != 0;
        cuda(cudaDeviceGetAttribute(v, cudaDevAttrMaxSharedMemoryPerBlockOptin, index),
                "cudaDeviceGetAttribute(shared memory opt-in)");
        this.sharedOptIn = v[0];
        if (fixedWorkspace) {
            this.cublasWorkspace = malloc(CUBLAS_WORKSPACE_BYTES);
            blas(cublasSetWorkspace_v2(cublas, pa.aim(cublasWorkspace), CUBLAS_WORKSPACE_BYTES), "cublasSetWorkspace");
        }
        Pointer flag = new Pointer();
        cuda(cudaHostAlloc(flag, 64, cudaHostAllocMapped), "cudaHostAlloc(error flag)");
        this.errorHost = new IntPointer(flag);
        errorHost.put(0, 0);
        PointerPointer<Pointer> dev = new PointerPointer<>(1);
        cuda(cudaHostGetDevicePointer(dev, flag, 0), "cudaHostGetDevicePointer(error flag)");
        this.errorDevice = dev.get(0).address();
    }

    /** The compute capability's major number, from the architecture ({@code sm_90} → 9). */
    int major() {
        return Integer.parseInt(arch.substring(3)) / 10;
    }

    long malloc(long bytes) {
        PointerPointer<Pointer> out = new PointerPointer<>(1);
        cuda(cudaMalloc(out, Math.max(4, bytes)), "cudaMalloc(" + bytes + " bytes)");
        return out.get(0).address();
    }

    CUfunc_st function(String name) {
        return functions.get(name);
    }

    /** Throws when a kernel stored an error since the last check (call after a stream synchronization). */
    void checkErrorFlag() {
        int flag = errorHost.get(0);
        if (flag != 0) {
            errorHost.put(0, 0);
            throw new IllegalStateException(KernelCodes.describeError(flag));
        }
    }

    /** Waits for the stream (when it exists) before anything is released; the first failure, or {@code t}. */
    Throwable drain(Throwable t) {
        t = CudaErrors.release(this::makeCurrent, t);
        if (!stream.isNull()) {
            t = CudaErrors.release(() -> cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize"), t);
        }
        return t;
    }

    /**
     * Makes this device's primary context current on the calling thread (driver calls need it), unless
     * rnn4j made it current there last: every backend of the process, on any device, goes through here.
     */
    void makeCurrent() {
        cuda(makeCurrent(index), "cudaSetDevice(" + index + ") on thread " + Thread.currentThread().getName());
    }

    /** {@link #makeCurrent()} for device {@code index}; the CUDA error code (0 when fine). */
    static int makeCurrent(int index) {
        int[] current = CURRENT.get();
        if (current[0] != index) {
            int rc = cudaSetDevice(index);
            if (rc != 0) {
                return rc;
            }
            current[0] = index;
        }
        return 0;
    }

    /** The device rnn4j last made current on each thread (−1: none yet). */
    private static final ThreadLocal<int[]> CURRENT = ThreadLocal.withInitial(() -> new int[] {-1});

    /**
     * Frees whatever exists, every step even when one fails, with this device's context current on the
     * calling thread; returns the first failure (others suppressed onto {@code t}).
     */
    Throwable release(Throwable t) {
        t = CudaErrors.release(this::makeCurrent, t);
        if (cublasWorkspace != 0) {
            long w = cublasWorkspace;
            cublasWorkspace = 0;
            t = CudaErrors.release(() -> cuda(cudaFree(new CudaBuffers.Address(w)), "cudaFree(cuBLAS workspace)"), t);
        }
        if (scratch != 0) {
            long s = scratch;
            scratch = 0;
            t = CudaErrors.release(() -> cuda(cudaFree(new CudaBuffers.Address(s)), "cudaFree(scratch)"), t);
        }
        if (errorHost != null) {
            IntPointer e = errorHost;
            errorHost = null;
            t = CudaErrors.release(() -> cuda(cudaFreeHost(e), "cudaFreeHost(error flag)"), t);
        }
        if (!module.isNull()) {
            t = CudaErrors.release(() -> cu(cuModuleUnload(module), "cuModuleUnload"), t);
            module.setNull();
        }
        if (!cublas.isNull()) {
            t = CudaErrors.release(() -> blas(cublasDestroy_v2(cublas), "cublasDestroy"), t);
            cublas.setNull();
        }
        if (!stream.isNull()) {
            t = CudaErrors.release(() -> cuda(cudaStreamDestroy(stream), "cudaStreamDestroy"), t);
            stream.setNull();
        }
        args.close();
        return t;
    }
}

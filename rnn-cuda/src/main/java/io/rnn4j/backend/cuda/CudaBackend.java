package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMajor;
import static org.bytedeco.cuda.global.cudart.cudaDevAttrComputeCapabilityMinor;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy2DAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreate;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The rnn4j backend on one NVIDIA GPU: cuBLAS GEMMs and the fused kernels of {@code kernels.cu}
 * (compiled by NVRTC for the device's architecture), all queued on one stream. A training step
 * makes no cudaMalloc and no host synchronization except where the caller downloads (the loss and
 * norm at the end of a step). Every CUDA, cuBLAS and NVRTC return code is checked and turned into an
 * exception naming the call. Confined to one thread.
 */
public final class CudaBackend implements Backend {
    /** {@code -Drnn4j.cuda.tf32=true} lets cuBLAS use TF32 tensor cores for float32 GEMMs (off by default). */
    public static final String TF32_PROPERTY = "rnn4j.cuda.tf32";

    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 8192;

    private final int device;
    private final String arch;
    private final CUstream_st stream = new CUstream_st();
    private final cublasContext cublas = new cublasContext();
    private final CUmod_st module = new CUmod_st();
    private final Map<String, CUfunc_st> functions = new HashMap<>();
    private final boolean tf32;

    /** Kernel argument slots: each entry of {@code params} points at one 8-byte slot of {@code slots}. */
    private final LongPointer slots = new LongPointer(32);
    private final PointerPointer<Pointer> params = new PointerPointer<>(32);
    private int argc;

    /**
     * Pinned host staging for uploads and downloads, grown on demand, with its float and int views.
     * Every transfer synchronizes the stream before it returns, so the next one finds it free.
     */
    private Pointer staging;
    private FloatPointer stagingFloats;
    private IntPointer stagingInts;
    private long stagingBytes;
    /** Device scratch: one double accumulator. */
    private final long scratch;
    private final CudaBuffers.Address pa = new CudaBuffers.Address();
    private final CudaBuffers.Address pb = new CudaBuffers.Address();
    private final CudaBuffers.Address pc = new CudaBuffers.Address();
    private final FloatPointer alphaHost = new FloatPointer(1);
    private final FloatPointer betaHost = new FloatPointer(1);
    private boolean closed;

    CudaBackend(int device) {
        this.device = device;
        cuda(cudaSetDevice(device), "cudaSetDevice(" + device + ")");
        int[] major = new int[1];
        int[] minor = new int[1];
        cuda(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute(major)");
        cuda(cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, device), "cudaDeviceGetAttribute(minor)");
        this.arch = "sm_" + major[0] + minor[0];
        cuda(org.bytedeco.cuda.global.cudart.cudaFree(null), "cudaFree(null) (binds the primary context)");
        cuda(cudaStreamCreate(stream), "cudaStreamCreate");
        blas(cublasCreate_v2(cublas), "cublasCreate");
        blas(cublasSetStream_v2(cublas, stream), "cublasSetStream");
        this.tf32 = Boolean.getBoolean(TF32_PROPERTY);
        blas(cublasSetMathMode(cublas, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
        byte[] cubin = Nvrtc.kernels(arch);
        BytePointer image = new BytePointer(cubin);
        cu(cuModuleLoadData(module, image), "cuModuleLoadData(kernels, " + arch + ")");
        for (String k : KernelSource.KERNELS) {
            CUfunc_st f = new CUfunc_st();
            cu(cuModuleGetFunction(f, module, k), "cuModuleGetFunction(" + k + ")");
            functions.put(k, f);
        }
        for (int i = 0; i < 32; i++) {
            params.put(i, new CudaBuffers.Address(slots.address() + 8L * i));
        }
        this.scratch = malloc(8);
    }

    // ------------------------------------------------------------------ error checks

    static void cuda(int rc, String call) {
        if (rc != 0) {
            throw new IllegalStateException(call + " failed: CUDA error " + rc + " (" + cudaGetErrorString(rc).getString()
                    + ")");
        }
    }

    static void cu(int rc, String call) {
        if (rc != CUDA_SUCCESS) {
            BytePointer s = new BytePointer((Pointer) null);
            cuGetErrorString(rc, s);
            throw new IllegalStateException(call + " failed: CUresult " + rc + " (" + (s.isNull() ? "?" : s.getString())
                    + ")");
        }
    }

    static void blas(int rc, String call) {
        if (rc != CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException(call + " failed: cuBLAS status " + rc);
        }
    }

    private long malloc(long bytes) {
        PointerPointer<Pointer> out = new PointerPointer<>(1);
        cuda(cudaMalloc(out, Math.max(4, bytes)), "cudaMalloc(" + bytes + " bytes)");
        return out.get(0) == null ? 0 : out.get(0).address();
    }

    @Override
    public String name() {
        return CudaBackendProvider.NAME;
    }

    @Override
    public String description() {
        return "CUDA backend, device " + device + " (" + arch + "), cuBLAS" + (tf32 ? " with TF32" : "")
                + ", NVRTC kernels";
    }

    // ------------------------------------------------------------------ memory

    @Override
    public Tensor allocate(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        long n = (long) rows * cols;
        long addr = malloc(4 * n);
        cuda(cudaMemsetAsync(pa.aim(addr), 0, 4 * Math.max(1, n), stream), "cudaMemsetAsync");
        return Tensor.of(new CudaBuffers.Floats(this, addr, n), rows, cols);
    }

    @Override
    public IndexBuffer allocateIndices(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative index buffer length " + length);
        }
        long addr = malloc(4L * length);
        cuda(cudaMemsetAsync(pa.aim(addr), 0, 4L * Math.max(1, length), stream), "cudaMemsetAsync");
        return new CudaBuffers.Ints(this, addr, length);
    }

    private long addr(Tensor t) {
        if (!(t.buffer() instanceof CudaBuffers.Floats b) || b.backend() != this) {
            throw new IllegalArgumentException("tensor " + t + " was not allocated by this CUDA backend");
        }
        return b.address() + 4 * t.offset();
    }

    private long addr(IndexBuffer ids, int offset) {
        if (!(ids instanceof CudaBuffers.Ints b) || b.backend() != this) {
            throw new IllegalArgumentException("index buffer was not allocated by this CUDA backend");
        }
        return b.address() + 4L * offset;
    }

    /** Grows the staging memory to at least {@code bytes}. */
    private void reserveStaging(long bytes) {
        if (bytes > stagingBytes) {
            if (staging != null) {
                cudaStreamSynchronize(stream);
                cudaFreeHost(staging);
            }
            long size = Math.max(bytes, 1 << 16);
            Pointer p = new Pointer();
            cuda(cudaMallocHost(p, size), "cudaMallocHost(" + size + ")");
            staging = p;
            stagingFloats = new FloatPointer(p);
            stagingInts = new IntPointer(p);
            stagingBytes = size;
        }
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        long n = dst.size();
        if (srcOffset < 0 || srcOffset + n > src.length) {
            throw new IllegalArgumentException("upload source: need " + n + " elements from offset " + srcOffset
                    + " but the array has " + src.length);
        }
        if (n == 0) {
            return;
        }
        reserveStaging(4 * n);
        FloatPointer host = stagingFloats;
        host.put(src, srcOffset, (int) n);
        cuda(cudaMemcpy2DAsync(pa.aim(addr(dst)), 4L * dst.rowStride(), host, 4L * dst.cols(), 4L * dst.cols(),
                dst.rows(), cudaMemcpyHostToDevice, stream), "cudaMemcpy2DAsync (upload)");
        cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize (upload)");
    }

    @Override
    public void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        if (srcOffset < 0 || count < 0 || srcOffset + count > src.length || count > dst.length()) {
            throw new IllegalArgumentException("index upload of " + count + " from offset " + srcOffset + " (array "
                    + src.length + ", buffer " + dst.length() + ")");
        }
        if (count == 0) {
            return;
        }
        reserveStaging(4L * count);
        IntPointer host = stagingInts;
        host.put(src, srcOffset, count);
        cuda(cudaMemcpy2DAsync(pa.aim(addr(dst, 0)), 4L * count, host, 4L * count, 4L * count, 1,
                cudaMemcpyHostToDevice, stream), "cudaMemcpy2DAsync (index upload)");
        cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize (index upload)");
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        long n = src.size();
        if (dstOffset < 0 || dstOffset + n > dst.length) {
            throw new IllegalArgumentException("download target: need " + n + " elements from offset " + dstOffset
                    + " but the array has " + dst.length);
        }
        if (n == 0) {
            return;
        }
        reserveStaging(4 * n);
        FloatPointer host = stagingFloats;
        cuda(cudaMemcpy2DAsync(host, 4L * src.cols(), pa.aim(addr(src)), 4L * src.rowStride(), 4L * src.cols(),
                src.rows(), cudaMemcpyDeviceToHost, stream), "cudaMemcpy2DAsync (download)");
        cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize (download)");
        host.get(dst, dstOffset, (int) n);
    }

    // ------------------------------------------------------------------ launches

    private CudaBackend arg(long v) {
        slots.put(argc++, v);
        return this;
    }

    private CudaBackend arg(int v) {
        slots.put(argc++, v & 0xffffffffL);
        return this;
    }

    private CudaBackend arg(float v) {
        slots.put(argc++, Float.floatToRawIntBits(v) & 0xffffffffL);
        return this;
    }

    private void launch(String kernel, long work) {
        long blocks = Math.max(1, Math.min(MAX_BLOCKS, (work + THREADS - 1) / THREADS));
        launch(kernel, (int) blocks);
    }

    private void launch(String kernel, int blocks) {
        CUfunc_st f = functions.get(kernel);
        argc = 0;
        cu(cuLaunchKernel(f, blocks, 1, 1, THREADS, 1, 1, 0, stream, params, null), "cuLaunchKernel(" + kernel + ")");
    }

    private static void sameShape(String op, Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": shape mismatch " + a + " vs " + b);
        }
    }

    private static void scalar(String op, Tensor t) {
        if (t.rows() != 1 || t.cols() != 1) {
            throw new IllegalArgumentException(op + ": expected a 1x1 tensor, got " + t);
        }
    }

    private static int ld(Tensor t) {
        return Math.max(1, Math.max(t.rowStride(), t.cols()));
    }

    @Override
    public void fill(Tensor t, float value) {
        arg(addr(t)).arg(t.rows()).arg(t.cols()).arg(ld(t)).arg(value);
        launch("fill2d", t.size());
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        sameShape("copy", src, dst);
        if (dst.overlaps(src)) {
            throw new IllegalArgumentException("copy: output " + dst + " overlaps input " + src);
        }
        arg(addr(src)).arg(ld(src)).arg(addr(dst)).arg(ld(dst)).arg(src.rows()).arg(src.cols());
        launch("copy2d", src.size());
    }

    @Override
    public void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int k = io.rnn4j.backend.Shapes.gemmOrDegenerate(this, c, a, transA, b, transB, beta);
        if (k == 0) {
            return;
        }
        int m = c.rows();
        int n = c.cols();
        alphaHost.put(0, alpha);
        betaHost.put(0, beta);
        // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands.
        blas(cublasSgemm_v2(cublas, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k,
                alphaHost, pb.aim(addr(b)), ld(b), pa.aim(addr(a)), ld(a), betaHost, pc.aim(addr(c)), ld(c)), "cublasSgemm");
    }

    @Override
    public void scale(Tensor x, float alpha) {
        arg(addr(x)).arg(x.rows()).arg(x.cols()).arg(ld(x)).arg(alpha);
        launch("scale2d", x.size());
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        sameShape("axpy", x, y);
        arg(addr(x)).arg(ld(x)).arg(addr(y)).arg(ld(y)).arg(x.rows()).arg(x.cols()).arg(alpha);
        launch("axpy2d", x.size());
    }

    @Override
    public void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        scalar("sumSquares", out);
        cuda(cudaMemsetAsync(pa.aim(scratch), 0, 8, stream), "cudaMemsetAsync (accumulator)");
        arg(addr(x)).arg(ld(x)).arg(x.rows()).arg(x.cols()).arg(scratch);
        launch("sum_squares", x.size());
        arg(scratch).arg(addr(out)).arg(accumulate ? 1 : 0);
        launch("finish_scalar", 1);
    }

    @Override
    public void addRowVector(Tensor x, Tensor v) {
        if (v.rows() != 1 || v.cols() != x.cols()) {
            throw new IllegalArgumentException("addRowVector: vector " + v + " must be 1x" + x.cols());
        }
        arg(addr(x)).arg(ld(x)).arg(x.rows()).arg(x.cols()).arg(addr(v));
        launch("add_row_vector", x.size());
    }

    @Override
    public void sumRows(Tensor x, Tensor out, boolean accumulate) {
        if (out.rows() != 1 || out.cols() != x.cols()) {
            throw new IllegalArgumentException("sumRows: output " + out + " must be 1x" + x.cols());
        }
        arg(addr(x)).arg(ld(x)).arg(x.rows()).arg(x.cols()).arg(addr(out)).arg(accumulate ? 1 : 0);
        launch("sum_rows", (long) x.cols());
    }

    @Override
    public void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        if (table.cols() != out.cols()) {
            throw new IllegalArgumentException("gatherRows: table " + table + " and output " + out + " differ in columns");
        }
        checkIds(ids, idOffset, out.rows());
        arg(addr(table)).arg(ld(table)).arg(addr(ids, idOffset)).arg(addr(out)).arg(ld(out)).arg(out.rows())
                .arg(out.cols()).arg(accumulate ? 1 : 0);
        launch("gather_rows", out.size());
    }

    @Override
    public void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        if (table.cols() != src.cols()) {
            throw new IllegalArgumentException("scatterAddRows: source " + src + " and table " + table
                    + " differ in columns");
        }
        checkIds(ids, idOffset, src.rows());
        arg(addr(src)).arg(ld(src)).arg(addr(ids, idOffset)).arg(addr(table)).arg(ld(table)).arg(src.rows())
                .arg(src.cols());
        launch("scatter_add_rows", src.size());
    }

    private static void checkIds(IndexBuffer ids, int offset, int count) {
        if (offset < 0 || offset + count > ids.length()) {
            throw new IllegalArgumentException("ids: need " + count + " from offset " + offset + " of " + ids.length());
        }
    }

    @Override
    public void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        sameShape("activationForward", s, h);
        if (f == Activation.PRELU && (slope == null || slope.cols() != s.cols())) {
            throw new IllegalArgumentException("activationForward: PReLU needs a 1x" + s.cols() + " slope tensor");
        }
        arg(f.ordinal()).arg(addr(s)).arg(ld(s)).arg(addr(h)).arg(ld(h)).arg(s.rows()).arg(s.cols())
                .arg(f == Activation.PRELU ? addr(slope) : 0L);
        launch("act_forward", s.size());
    }

    @Override
    public void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        sameShape("activationBackward", s, g);
        sameShape("activationBackward", h, g);
        boolean prelu = f == Activation.PRELU;
        if (prelu && (slope == null || slopeGrad == null || slope.cols() != g.cols() || slopeGrad.cols() != g.cols())) {
            throw new IllegalArgumentException("activationBackward: PReLU needs 1x" + g.cols() + " slope tensors");
        }
        arg(f.ordinal()).arg(addr(s)).arg(ld(s)).arg(addr(h)).arg(ld(h)).arg(addr(g)).arg(ld(g)).arg(g.rows())
                .arg(g.cols()).arg(prelu ? addr(slope) : 0L).arg(prelu ? addr(slopeGrad) : 0L);
        launch("act_backward", g.size());
    }

    @Override
    public void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        int b = h.rows();
        int hh = h.cols();
        io.rnn4j.backend.Shapes.lstmForward(gates, cPrev, c, h, tanhC);
        arg(addr(gates)).arg(ld(gates)).arg(addr(cPrev)).arg(ld(cPrev)).arg(addr(c)).arg(ld(c)).arg(addr(h)).arg(ld(h))
                .arg(addr(tanhC)).arg(ld(tanhC)).arg(b).arg(hh);
        launch("lstm_forward", (long) b * hh);
    }

    @Override
    public void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        int b = dh.rows();
        int hh = dh.cols();
        io.rnn4j.backend.Shapes.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
        arg(addr(gates)).arg(ld(gates)).arg(addr(cPrev)).arg(ld(cPrev)).arg(addr(tanhC)).arg(ld(tanhC)).arg(addr(dh))
                .arg(ld(dh)).arg(addr(dc)).arg(ld(dc)).arg(addr(dGates)).arg(ld(dGates)).arg(b).arg(hh);
        launch("lstm_backward", (long) b * hh);
    }

    @Override
    public void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        int b = h.rows();
        int hh = h.cols();
        io.rnn4j.backend.Shapes.gruForward(xGates, hGates, hPrev, h, gates);
        arg(addr(xGates)).arg(ld(xGates)).arg(addr(hGates)).arg(ld(hGates)).arg(addr(hPrev)).arg(ld(hPrev))
                .arg(addr(h)).arg(ld(h)).arg(addr(gates)).arg(ld(gates)).arg(b).arg(hh);
        launch("gru_forward", (long) b * hh);
    }

    @Override
    public void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                            Tensor dhPrev) {
        int b = dh.rows();
        int hh = dh.cols();
        io.rnn4j.backend.Shapes.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        arg(addr(gates)).arg(ld(gates)).arg(addr(hGates)).arg(ld(hGates)).arg(addr(hPrev)).arg(ld(hPrev)).arg(addr(dh))
                .arg(ld(dh)).arg(addr(dxGates)).arg(ld(dxGates)).arg(addr(dhGates)).arg(ld(dhGates)).arg(addr(dhPrev))
                .arg(ld(dhPrev)).arg(b).arg(hh);
        launch("gru_backward", (long) b * hh);
    }

    @Override
    public void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights, float gradScale,
                                    Tensor loss) {
        scalar("softmaxCrossEntropy loss", loss);
        checkIds(targets, targetOffset, z.rows());
        if (weights != null && (weights.rows() != z.rows() || weights.cols() != 1)) {
            throw new IllegalArgumentException("softmaxCrossEntropy: weights must be " + z.rows() + "x1");
        }
        cuda(cudaMemsetAsync(pa.aim(scratch), 0, 8, stream), "cudaMemsetAsync (accumulator)");
        arg(addr(z)).arg(ld(z)).arg(z.rows()).arg(z.cols()).arg(addr(targets, targetOffset))
                .arg(weights == null ? 0L : addr(weights)).arg(weights == null ? 0 : ld(weights)).arg(gradScale)
                .arg(scratch);
        launch("softmax_ce", Math.max(1, Math.min(MAX_BLOCKS, z.rows())));
        arg(scratch).arg(addr(loss)).arg(1);
        launch("finish_scalar", 1);
    }

    @Override
    public void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        sameShape("squaredError", pred, target);
        scalar("squaredError loss", loss);
        cuda(cudaMemsetAsync(pa.aim(scratch), 0, 8, stream), "cudaMemsetAsync (accumulator)");
        arg(addr(pred)).arg(ld(pred)).arg(addr(target)).arg(ld(target)).arg(weights == null ? 0L : addr(weights))
                .arg(weights == null ? 0 : ld(weights)).arg(pred.rows()).arg(pred.cols()).arg(gradScale).arg(scratch);
        launch("squared_error", pred.size());
        arg(scratch).arg(addr(loss)).arg(1);
        launch("finish_scalar", 1);
    }

    @Override
    public void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        scalar("clipScale sumSquares", sumSquares);
        scalar("clipScale scale", scale);
        arg(addr(sumSquares)).arg(threshold).arg(addr(scale));
        launch("clip_scale", 1);
    }

    @Override
    public void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                Tensor gradScale, long step) {
        sameShape("optimizerUpdate grads", params, grads);
        int states = rule.stateTensors();
        if ((states >= 1 && state1 == null) || (states >= 2 && state2 == null)) {
            throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs " + states + " state tensors");
        }
        if (step < 1) {
            throw new IllegalArgumentException("optimizerUpdate: step must be >= 1, got " + step);
        }
        if (!params.isContiguous() || !grads.isContiguous()) {
            throw new IllegalArgumentException("optimizerUpdate: arenas must be contiguous");
        }
        float c1 = (float) (1.0 / (1.0 - Math.pow(rule.beta1(), step)));
        float c2 = (float) (1.0 / (1.0 - Math.pow(rule.beta2(), step)));
        arg(rule.kind().ordinal()).arg(addr(params)).arg(addr(grads)).arg(states >= 1 ? addr(state1) : 0L)
                .arg(states >= 2 ? addr(state2) : 0L).arg(params.size()).arg(addr(gradScale)).arg(rule.learningRate())
                .arg(rule.momentum()).arg(rule.rho()).arg(rule.beta1()).arg(rule.beta2()).arg(rule.epsilon())
                .arg(rule.clipValue()).arg(c1).arg(c2);
        launch("optimizer_update", params.size());
    }

    @Override
    public void synchronize() {
        cuda(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cudaStreamSynchronize(stream);
        cudaFree(pa.aim(scratch));
        if (staging != null) {
            cudaFreeHost(staging);
        }
        cuModuleUnload(module);
        cublasDestroy_v2(cublas);
        cudaStreamDestroy(stream);
    }
}

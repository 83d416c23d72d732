package io.rnn4j.backend.cuda;

import static io.rnn4j.backend.cuda.CudaErrors.cuda;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Captured;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.slf4j.LoggerFactory;

/**
 * The rnn4j backend on one NVIDIA GPU: cuBLAS GEMMs and the fused kernels of {@code kernels.cu}
 * (compiled by NVRTC for the device's architecture, launched by {@link CudaKernels}), all queued
 * on one stream. This class is the {@link Backend} face: every call checked and queued under the
 * backend's lock; the device resources are {@link CudaDevice}'s, the transfers
 * {@link CudaTransfers}'s. The fast paths (asynchronous uploads, the update gate on the device,
 * steps captured as CUDA graphs, persistent recurrence kernels, cheaper kernels) are switched by
 * system properties and off by default until a GPU run has verified them ({@link CudaSwitches}).
 *
 * <p>Construction is all-or-nothing: when any step fails, everything created so far is released
 * before the exception leaves. Every CUDA, cuBLAS and NVRTC return code is checked and turned into
 * an exception naming the call. Every method is atomic: threads that share a backend are served
 * one call at a time, and the device's primary context is made current on each thread that calls.
 * After {@link #close()} every method throws {@link IllegalStateException}. A kernel that meets an
 * unknown activation or optimizer code sets an error flag in pinned host memory; the next
 * synchronization ({@link #download}, {@link #synchronize()}, a synchronous upload) throws.
 */
public final class CudaBackend implements Backend {
    /** {@code -Drnn4j.cuda.tf32=true} lets cuBLAS use TF32 tensor cores for float32 GEMMs (off by default). */
    public static final String TF32_PROPERTY = "rnn4j.cuda.tf32";

    private final CudaDevice dev;
    private final CudaKernels kernels;
    private final CudaTransfers transfers = new CudaTransfers(this);
    private final CudaSwitches switches = CudaSwitches.fromSystemProperties();
    private final CudaGraphs graphs = new CudaGraphs(this);
    /** The persistent recurrence kernels, when switched on and the device launches cooperatively. */
    private CudaRecurrences recurrences;
    private long operations;
    private boolean capturing;
    private final CudaBuffers.Address pa = new CudaBuffers.Address();
    private boolean closed;

    CudaBackend(int device) {
        this.dev = new CudaDevice(device, Boolean.getBoolean(TF32_PROPERTY));
        this.kernels = new CudaKernels(this);
        boolean started = false;
        try {
            dev.start(switches.graphs());
            if (switches.persistent()) {
                boolean clusters = switches.clusters() && dev.major() >= 9;
                recurrences = new CudaRecurrences(this, kernels, dev.multiprocessors, dev.cooperative,
                        clusters ? dev.sharedOptIn : 0);
            }
            LoggerFactory.getLogger(CudaBackend.class).info("CUDA fast paths on: {}{}", switches.describe(),
                    switches.persistent() && !dev.cooperative && dev.major() < 9 ? " (persistent kernels unavailable:"
                            + " this device has neither cooperative launch nor clusters)" : "");
            started = true;
        } finally {
            if (!started) {
                closed = true;
                Throwable t = releaseAll();
                if (t != null) {
                    LoggerFactory.getLogger(CudaBackend.class)
                            .warn("releasing a CUDA backend that failed to start also failed: {}", t.toString());
                }
            }
        }
    }

    /**
     * Releases whatever exists, every step even when one fails, on any thread (the device's context is
     * made current first); returns the first failure (others suppressed).
     */
    private Throwable releaseAll() {
        Throwable t = dev.drain(null);
        t = CudaErrors.release(kernels::close, t);
        t = CudaErrors.release(transfers::close, t);
        return dev.release(t);
    }

    // ------------------------------------------------------------------ dispatch core

    /** Every entry point calls this first (under the backend's lock). */
    void enter() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        dev.makeCurrent();
    }

    /** Makes the device's primary context current on this thread (driver calls need it). */
    void makeCurrent() {
        dev.makeCurrent();
    }

    /** The device's index (its buffers free themselves on it). */
    int deviceIndex() {
        return dev.index;
    }

    void sync(String what) {
        if (capturing) {
            throw new IllegalStateException(what + " waits for the GPU, which a captured step cannot do");
        }
        cuda(cudaStreamSynchronize(dev.stream), "cudaStreamSynchronize (" + what + ")");
        transfers.drained();
        dev.checkErrorFlag();
    }

    CudaSwitches switches() {
        return switches;
    }

    /** The compute capability's major number (9 for sm_90). */
    int major() {
        return dev.major();
    }

    /** How the last Elman, LSTM or GRU sweep ran: "cluster", "grid" or "stepwise" (for tests and profiles). */
    synchronized String lastRecurrencePath() {
        return recurrences == null ? "stepwise" : recurrences.lastPath;
    }

    /** Counts one queued device operation ({@link #operationsQueued()}). */
    void countOperation() {
        operations++;
    }

    /** Throws when a step is being captured: {@code what} cannot be part of a CUDA graph. */
    void refuseWhileCapturing(String what) {
        if (capturing) {
            throw new IllegalStateException(what + " inside a captured step: a CUDA graph can only hold kernels"
                    + " on existing tensors");
        }
    }

    boolean isCapturing() {
        return capturing;
    }

    void capturing(boolean on) {
        capturing = on;
    }

    /** The device address {@code offset} bytes into the scratch ({@link CudaDevice#ACC} and the others). */
    long scratch(int offset) {
        return dev.scratch + offset;
    }

    long scratch() {
        return dev.scratch;
    }

    CUstream_st stream() {
        return dev.stream;
    }

    cublasContext cublas() {
        return dev.cublas;
    }

    boolean tf32() {
        return dev.tf32;
    }

    CUfunc_st function(String name) {
        return dev.function(name);
    }

    KernelArgs args() {
        return dev.args;
    }

    long errorFlag() {
        return dev.errorDevice;
    }

    CudaBuffers.Address pointer(long address) {
        return pa.aim(address);
    }

    long malloc(long bytes) {
        return dev.malloc(bytes);
    }

    long addr(Tensor t) {
        if (!(t.buffer() instanceof CudaBuffers.Floats b) || b.backend() != this) {
            throw new IllegalArgumentException("tensor " + t + " was not allocated by this CUDA backend");
        }
        return b.address() + 4 * t.offset();
    }

    long addr(IndexBuffer ids, int offset) {
        if (!(ids instanceof CudaBuffers.Ints b) || b.backend() != this) {
            throw new IllegalArgumentException("index buffer was not allocated by this CUDA backend");
        }
        return b.address() + 4L * offset;
    }

    @Override
    public String name() {
        return CudaBackendProvider.NAME;
    }

    @Override
    public String description() {
        return "CUDA backend, device " + dev.index + " (" + dev.arch + "), cuBLAS" + (dev.tf32 ? " with TF32" : "")
                + ", NVRTC kernels, fast paths: " + switches.describe();
    }

    // ------------------------------------------------------------------ memory

    @Override
    public synchronized Tensor allocate(int rows, int cols) {
        enter();
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        refuseWhileCapturing("allocate");
        long n = (long) rows * cols;
        long addr = malloc(4 * n);
        CudaBuffers.Floats buffer = new CudaBuffers.Floats(this, addr, n);
        countOperation();
        cuda(cudaMemsetAsync(pa.aim(addr), 0, 4 * Math.max(1, n), dev.stream), "cudaMemsetAsync");
        return Tensor.of(buffer, rows, cols);
    }

    @Override
    public synchronized IndexBuffer allocateIndices(int length) {
        enter();
        if (length < 0) {
            throw new IllegalArgumentException("negative index buffer length " + length);
        }
        refuseWhileCapturing("allocateIndices");
        long addr = malloc(4L * length);
        CudaBuffers.Ints buffer = new CudaBuffers.Ints(this, addr, length);
        countOperation();
        cuda(cudaMemsetAsync(pa.aim(addr), 0, 4L * Math.max(1, length), dev.stream), "cudaMemsetAsync");
        return buffer;
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Tensor dst) {
        enter();
        transfers.upload(src, srcOffset, dst);
    }

    @Override
    public synchronized void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        enter();
        transfers.uploadIndices(src, srcOffset, dst, count);
    }

    @Override
    public synchronized void download(Tensor src, float[] dst, int dstOffset) {
        enter();
        transfers.download(src, dst, dstOffset);
    }

    @Override
    public synchronized void fill(Tensor t, float value) {
        enter();
        kernels.fill(t, value);
    }

    @Override
    public synchronized void copy(Tensor src, Tensor dst) {
        enter();
        kernels.copy(src, dst);
    }

    // ------------------------------------------------------------------ BLAS

    @Override
    public synchronized void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha,
                                  float beta) {
        enter();
        kernels.gemm(c, a, transA, b, transB, alpha, beta);
    }

    // ------------------------------------------------------------------ fused kernels (CudaKernels)

    @Override
    public synchronized void scale(Tensor x, float alpha) {
        enter();
        kernels.scale(x, alpha);
    }

    @Override
    public synchronized void axpy(float alpha, Tensor x, Tensor y) {
        enter();
        kernels.axpy(alpha, x, y);
    }

    @Override
    public synchronized void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        enter();
        kernels.sumSquares(x, out, accumulate);
    }

    @Override
    public synchronized void addRowVector(Tensor x, Tensor v) {
        enter();
        kernels.addRowVector(x, v);
    }

    @Override
    public synchronized void sumRows(Tensor x, Tensor out, boolean accumulate) {
        enter();
        kernels.sumRows(x, out, accumulate);
    }

    @Override
    public synchronized void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        enter();
        kernels.gatherRows(table, ids, idOffset, out, accumulate);
    }

    @Override
    public synchronized void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        enter();
        kernels.scatterAddRows(src, ids, idOffset, table);
    }

    @Override
    public synchronized void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        enter();
        kernels.activationForward(f, s, h, slope);
    }

    @Override
    public synchronized void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope,
                                                Tensor slopeGrad) {
        enter();
        kernels.activationBackward(f, s, h, g, slope, slopeGrad);
    }

    @Override
    public synchronized void dropoutMask(Tensor mask, float p, long seed, long stream) {
        enter();
        kernels.dropoutMask(mask, p, seed, stream);
    }

    @Override
    public synchronized void multiply(Tensor x, Tensor factors, Tensor out) {
        enter();
        kernels.multiply(x, factors, out);
    }

    @Override
    public synchronized void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        enter();
        kernels.lstmForward(gates, cPrev, c, h, tanhC);
    }

    @Override
    public synchronized void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc,
                                          Tensor dGates) {
        enter();
        kernels.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
    }

    @Override
    public synchronized void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        enter();
        kernels.gruForward(xGates, hGates, hPrev, h, gates);
    }

    @Override
    public synchronized void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates,
                                         Tensor dhGates, Tensor dhPrev) {
        enter();
        kernels.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
    }

    @Override
    public synchronized void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights,
                                                 float gradScale, Tensor loss) {
        enter();
        kernels.softmaxCrossEntropy(z, targets, targetOffset, weights, gradScale, loss);
    }

    @Override
    public synchronized void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        enter();
        kernels.squaredError(pred, target, weights, gradScale, loss);
    }

    @Override
    public synchronized void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum) {
        enter();
        kernels.omegaRows(v, delta, out, sum);
    }

    @Override
    public synchronized void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        enter();
        kernels.clipScale(sumSquares, threshold, scale);
    }

    @Override
    public synchronized void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1,
                                             Tensor state2, Tensor state3, Tensor gradScale, long step) {
        enter();
        kernels.optimizerUpdate(rule, params, grads, state1, state2, state3, gradScale, step);
    }

    @Override
    public synchronized void recurrentForward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope,
                                              int batch) {
        enter();
        if (recurrences != null) {
            recurrences.forward(f, recurrent, pre, hidden, slope, batch);
        } else {
            Backend.super.recurrentForward(f, recurrent, pre, hidden, slope, batch);
        }
    }

    @Override
    public synchronized void recurrentBackward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                                               Tensor slope, Tensor slopeGrad, int batch, Tensor stepSquares) {
        enter();
        if (recurrences != null) {
            recurrences.backward(f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
        } else {
            Backend.super.recurrentBackward(f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
        }
    }

    @Override
    public synchronized boolean lstmRecurrentForward(Tensor recurrent, Tensor gates, Tensor hidden, Tensor cells,
                                                     Tensor tanhC, int batch) {
        enter();
        return recurrences != null && recurrences.lstmForward(recurrent, gates, hidden, cells, tanhC, batch);
    }

    @Override
    public synchronized boolean lstmRecurrentBackward(Tensor recurrent, Tensor gates, Tensor cells, Tensor tanhC,
                                                      Tensor grad, Tensor dc, Tensor dGates, int batch,
                                                      Tensor stepSquares) {
        enter();
        return recurrences != null
                && recurrences.lstmBackward(recurrent, gates, cells, tanhC, grad, dc, dGates, batch, stepSquares);
    }

    @Override
    public synchronized boolean gruRecurrentForward(Tensor recurrent, Tensor recurrentBias, Tensor xGates,
                                                    Tensor hGates, Tensor hidden, Tensor acts, int batch) {
        enter();
        return recurrences != null
                && recurrences.gruForward(recurrent, recurrentBias, xGates, hGates, hidden, acts, batch);
    }

    @Override
    public synchronized boolean gruRecurrentBackward(Tensor recurrent, Tensor acts, Tensor hGates, Tensor hidden,
                                                     Tensor grad, Tensor dxGates, Tensor dhGates, Tensor dhDirect,
                                                     int batch, Tensor stepSquares) {
        enter();
        return recurrences != null && recurrences.gruBackward(recurrent, acts, hGates, hidden, grad, dxGates, dhGates,
                dhDirect, batch, stepSquares);
    }

    @Override
    public synchronized void gatedUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                         Tensor state3, Tensor gradScale, Tensor check, Tensor control, long step) {
        enter();
        if (switches.deviceGate()) {
            kernels.gatedUpdate(rule, params, grads, state1, state2, state3, gradScale, check, control);
        } else {
            Backend.super.gatedUpdate(rule, params, grads, state1, state2, state3, gradScale, check, control, step);
        }
    }

    /** A CUDA graph of {@code work} when {@link CudaSwitches#graphs()} is on; null otherwise. */
    @Override
    public synchronized Captured capture(Runnable work) {
        enter();
        if (!switches.graphs()) {
            return null;
        }
        if (capturing) {
            throw new IllegalStateException("capture inside a capture");
        }
        return graphs.capture(work);
    }

    @Override
    public synchronized long operationsQueued() {
        return operations;
    }

    @Override
    public synchronized void synchronize() {
        enter();
        sync("synchronize");
    }

    /**
     * Waits for the queued work, then releases the stream, the cuBLAS handle, the kernels' module and
     * the pinned memory; every step runs even when one fails, and the first failure is thrown after
     * all of them. Buffers stay valid until they are closed (closing them after the backend is fine).
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Throwable t = releaseAll();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t != null) {
            throw new IllegalStateException("closing the CUDA backend failed", t);
        }
    }
}

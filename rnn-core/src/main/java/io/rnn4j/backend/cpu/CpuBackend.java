package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.backend.internal.Shapes;
import java.lang.ref.Cleaner;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * The CPU backend: OpenBLAS GEMM on off-heap memory and fused element-wise kernels as Java loops,
 * with its own team of threads ({@link CpuBackendConfig#threads()}); with the JDK's Vector API
 * module, vectorized tanh and a packed GEMM on the widest vectors (see the package description).
 *
 * <p>This class holds the memory, the threads and the dispatch; the kernels live in one class per
 * family: {@link CpuGemm} (GEMM split over the threads), {@link CpuRowKernels} (fills, norms, bias
 * broadcasts and sums, gathers), {@link CpuActivations} (the stand-alone activations and their
 * derivatives), {@link CpuRecurrences} (the whole Elman recurrences),
 * {@link CpuGates} (the gated-cell steps), {@link CpuGatedRecurrences} (the whole LSTM and GRU sweeps),
 * {@link CpuLosses} (the loss heads and the clipping factor) and {@link CpuOptimizer} (the fused update);
 * {@link CpuTransfers} copies, {@link PartialSums} holds the reductions' per-thread parts.
 *
 * <p>Threading: OpenBLAS always runs single-threaded inside each call; the backend splits work
 * itself. Large GEMMs are split into row (or column) blocks, one single-threaded GEMM per thread;
 * the whole recurrences are split by batch rows, so that each thread runs its own independent chain
 * of small GEMMs and activations with no synchronization inside the time loop (or, at small batch
 * and large H, by U's output columns with one barrier per step); softmax, norms, fills and
 * optimizer updates are split into ranges, the stand-alone activations into rows. Results are
 * deterministic for a given thread count. Synchronous: every kernel has finished when its method returns.
 *
 * <p>Every method is atomic: a backend shared by several threads serves their calls one at a time
 * (results stay exact, the threads wait for each other). For parallel training give each thread its
 * own backend, with {@code threads} set so that all of them together fit the machine's cores. After
 * {@link #close()} every method throws {@link IllegalStateException}.
 */
public final class CpuBackend implements Backend {

    /** GEMMs below this many FLOPs run on one thread (splitting costs more than it saves). */
    static final double PARALLEL_GEMM_FLOPS = 1.5e6;
    /** {@code -Drnn4j.cpu.vectorBlas=false}: OpenBLAS for the general GEMMs even with the Vector API module. */
    static final String VECTOR_BLAS_PROPERTY = "rnn4j.cpu.vectorBlas";
    /** Element-wise kernels below this many elements run on one thread. */
    static final long PARALLEL_ELEMENTS = 1 << 15;

    /** Stops the helper threads of backends that were dropped without {@link #close()}. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final CpuBackendConfig config;
    final Gemm gemm;
    final CpuWorkers workers;
    final int threads;
    /** The reductions' per-part results (norms, losses, column sums), summed in part order. */
    final PartialSums partials;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;

    /** OpenBLAS (or the Java fallback): the recurrences' per-step product where the packed GEMM loses. */
    final Gemm blas;
    private final CpuGemm gemms;
    private final CpuRowKernels rowKernels;
    private final CpuActivations activations;
    private final CpuRecurrences recurrences;
    private final CpuGates gateKernels;
    private final CpuGatedRecurrences gatedSweeps;
    private final CpuLosses losses;
    private final CpuOptimizer optimizer;

    /** A CPU backend with {@link CpuBackendConfig#defaults()}. */
    public CpuBackend() {
        this(CpuBackendConfig.defaults());
    }

    /**
     * A CPU backend with the given threads and GEMM.
     *
     * @param config threads and native BLAS
     */
    public CpuBackend(CpuBackendConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.blas = config.nativeBlas() && NativeBlas.available() ? new OpenBlasGemm() : new JavaGemm();
        this.gemm = config.nativeBlas() && VectorSupport.GEMM != null
                && !"false".equalsIgnoreCase(System.getProperty(VECTOR_BLAS_PROPERTY))
                ? new VectorBlas(VectorSupport.GEMM, blas) : blas;
        this.threads = config.resolvedThreads();
        this.workers = new CpuWorkers(threads);
        this.cleanable = CLEANER.register(this, workers::close);
        this.partials = new PartialSums(threads);
        this.gemms = new CpuGemm(this);
        this.rowKernels = new CpuRowKernels(this);
        this.activations = new CpuActivations(this);
        this.recurrences = new CpuRecurrences(this);
        this.gateKernels = new CpuGates(this);
        this.gatedSweeps = new CpuGatedRecurrences(this);
        this.losses = new CpuLosses(this);
        this.optimizer = new CpuOptimizer(this);
    }

    /**
     * The kernels chosen by measurement so far in this JVM (with the Vector API module: OpenBLAS or the
     * packed GEMM per product shape), with the times behind each choice; empty when nothing was chosen.
     *
     * @return shape → choice
     */
    public static java.util.Map<String, String> kernelDecisions() {
        return KernelChoice.decisions();
    }

    /** {@return the configuration this backend was created with} */
    public CpuBackendConfig config() {
        return config;
    }

    /** {@return whether GEMM runs in OpenBLAS (true) or in the Java fallback} */
    public boolean usesNativeBlas() {
        return gemm instanceof OpenBlasGemm || gemm instanceof VectorBlas;
    }

    /** {@return threads that work on one kernel call, the caller included} */
    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        return CpuBackendProvider.NAME;
    }

    @Override
    public String description() {
        return "CPU backend, " + gemm.describe() + ", " + threads + (threads == 1 ? " thread" : " threads");
    }

    // ------------------------------------------------------------------ dispatch core

    /** Every entry point calls this first (under the backend's lock). */
    private void open() {
        if (closed) {
            throw new IllegalStateException("the CPU backend is closed");
        }
    }

    CpuBuffer buf(Tensor t) {
        if (!(t.buffer() instanceof CpuBuffer b) || b.backend() != this) {
            throw new IllegalArgumentException("tensor " + t + " was not allocated by this CPU backend");
        }
        return b;
    }

    FloatBuffer data(Tensor t) {
        return buf(t).data();
    }

    int[] idx(IndexBuffer ids) {
        if (!(ids instanceof CpuIndexBuffer b) || b.backend() != this) {
            throw new IllegalArgumentException("index buffer was not allocated by this CPU backend");
        }
        return b.data();
    }

    static int off(Tensor t) {
        return (int) t.offset();
    }

    static int rowBase(Tensor t, int r) {
        return (int) (t.offset() + (long) r * t.rowStride());
    }

    /** GEMM leading dimension of a tensor. */
    static int ld(Tensor t) {
        return t.rows() <= 1 ? Math.max(1, Math.max(t.rowStride(), t.cols())) : Math.max(1, t.rowStride());
    }

    /** The first index of part {@code p} of {@code parts} over {@code n} items. */
    static int lo(int n, int p, int parts) {
        return (int) ((long) n * p / parts);
    }

    /** Parts for an element-wise kernel over {@code elements} elements. */
    int partsFor(long elements) {
        return elements >= PARALLEL_ELEMENTS ? threads : 1;
    }

    /** Parts for a kernel split by the rows of {@code x}: {@link #partsFor} its size, at most one per row. */
    int rowParts(Tensor x) {
        return Math.min(partsFor(x.size()), Math.max(1, x.rows()));
    }

    // ------------------------------------------------------------------ memory

    @Override
    public synchronized Tensor allocate(int rows, int cols) {
        open();
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        return Tensor.of(new CpuBuffer(this, (long) rows * cols), rows, cols);
    }

    @Override
    public synchronized IndexBuffer allocateIndices(int length) {
        open();
        return new CpuIndexBuffer(this, length);
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Tensor dst) {
        open();
        CpuTransfers.upload(src, srcOffset, data(dst), dst);
    }

    @Override
    public synchronized void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        open();
        int[] d = idx(dst);
        Shapes.range("index upload source", src.length, srcOffset, count);
        if (count > d.length) {
            throw new IllegalArgumentException("index upload of " + count + " into a buffer of " + d.length);
        }
        System.arraycopy(src, srcOffset, d, 0, count);
    }

    @Override
    public synchronized void download(Tensor src, float[] dst, int dstOffset) {
        open();
        CpuTransfers.download(data(src), src, dst, dstOffset);
    }

    @Override
    public synchronized void fill(Tensor t, float value) {
        open();
        rowKernels.fill(t, value);
    }

    @Override
    public synchronized void copy(Tensor src, Tensor dst) {
        open();
        Shapes.copy(src, dst);
        CpuTransfers.copy(data(src), src, data(dst), dst);
    }

    // ------------------------------------------------------------------ kernels, by family

    @Override
    public synchronized void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha,
                                  float beta) {
        open();
        gemms.gemm(c, a, transA, b, transB, alpha, beta);
    }

    @Override
    public synchronized void scale(Tensor x, float alpha) {
        open();
        rowKernels.scale(x, alpha);
    }

    @Override
    public synchronized void axpy(float alpha, Tensor x, Tensor y) {
        open();
        rowKernels.axpy(alpha, x, y);
    }

    @Override
    public synchronized void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        open();
        rowKernels.sumSquares(x, out, accumulate);
    }

    @Override
    public synchronized void addRowVector(Tensor x, Tensor v) {
        open();
        rowKernels.addRowVector(x, v);
    }

    @Override
    public synchronized void sumRows(Tensor x, Tensor out, boolean accumulate) {
        open();
        rowKernels.sumRows(x, out, accumulate);
    }

    @Override
    public synchronized void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        open();
        rowKernels.gatherRows(table, ids, idOffset, out, accumulate);
    }

    @Override
    public synchronized void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        open();
        rowKernels.scatterAddRows(src, ids, idOffset, table);
    }

    @Override
    public synchronized void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        open();
        activations.forward(f, s, h, slope);
    }

    @Override
    public synchronized void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope,
                                                Tensor slopeGrad) {
        open();
        activations.backward(f, s, h, g, slope, slopeGrad);
    }

    @Override
    public synchronized void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum) {
        open();
        losses.omegaRows(v, delta, out, sum);
    }

    @Override
    public synchronized void dropoutMask(Tensor mask, float p, long seed, long stream) {
        open();
        rowKernels.dropoutMask(mask, p, seed, stream);
    }

    @Override
    public synchronized void multiply(Tensor x, Tensor factors, Tensor out) {
        open();
        rowKernels.multiply(x, factors, out);
    }

    @Override
    public synchronized void recurrentForward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope,
                                              int batch) {
        open();
        recurrences.forward(f, recurrent, pre, hidden, slope, batch);
    }

    @Override
    public synchronized void recurrentBackward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                                               Tensor slope, Tensor slopeGrad, int batch, Tensor stepSquares) {
        open();
        recurrences.backward(f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
    }

    @Override
    public synchronized boolean lstmRecurrentForward(Tensor recurrent, Tensor gates, Tensor hidden, Tensor cells,
                                                     Tensor tanhC, int batch) {
        open();
        return gatedSweeps.lstmForward(recurrent, gates, hidden, cells, tanhC, batch);
    }

    @Override
    public synchronized boolean lstmRecurrentBackward(Tensor recurrent, Tensor gates, Tensor cells, Tensor tanhC,
                                                      Tensor grad, Tensor dc, Tensor dGates, int batch,
                                                      Tensor stepSquares) {
        open();
        return gatedSweeps.lstmBackward(recurrent, gates, cells, tanhC, grad, dc, dGates, batch, stepSquares);
    }

    @Override
    public synchronized boolean gruRecurrentForward(Tensor recurrent, Tensor recurrentBias, Tensor xGates,
                                                    Tensor hGates, Tensor hidden, Tensor acts, int batch) {
        open();
        return gatedSweeps.gruForward(recurrent, recurrentBias, xGates, hGates, hidden, acts, batch);
    }

    @Override
    public synchronized boolean gruRecurrentBackward(Tensor recurrent, Tensor acts, Tensor hGates, Tensor hidden,
                                                     Tensor grad, Tensor dxGates, Tensor dhGates, Tensor dhDirect,
                                                     int batch, Tensor stepSquares) {
        open();
        return gatedSweeps.gruBackward(recurrent, acts, hGates, hidden, grad, dxGates, dhGates,
                dhDirect, batch, stepSquares);
    }

    @Override
    public synchronized void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        open();
        gateKernels.lstmForward(gates, cPrev, c, h, tanhC);
    }

    @Override
    public synchronized void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc,
                                          Tensor dGates) {
        open();
        gateKernels.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
    }

    @Override
    public synchronized void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        open();
        gateKernels.gruForward(xGates, hGates, hPrev, h, gates);
    }

    @Override
    public synchronized void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates,
                                         Tensor dhGates, Tensor dhPrev) {
        open();
        gateKernels.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
    }

    @Override
    public synchronized void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights,
                                                 float gradScale, Tensor loss) {
        open();
        losses.softmaxCrossEntropy(z, targets, targetOffset, weights, gradScale, loss);
    }

    @Override
    public synchronized void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        open();
        losses.squaredError(pred, target, weights, gradScale, loss);
    }

    @Override
    public synchronized void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        open();
        losses.clipScale(sumSquares, threshold, scale);
    }

    @Override
    public synchronized void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1,
                                             Tensor state2, Tensor state3, Tensor gradScale, long step) {
        open();
        optimizer.update(rule, params, grads, state1, state2, state3, gradScale, step);
    }

    @Override
    public synchronized void gatedUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                         Tensor state3, Tensor gradScale, Tensor check, Tensor control, long step) {
        open();
        optimizer.gatedUpdate(rule, params, grads, state1, state2, state3, gradScale, check, control, step);
    }

    @Override
    public synchronized void synchronize() {
        open();
        // Synchronous backend: nothing is queued.
    }

    /**
     * Stops the helper threads; later calls throw {@link IllegalStateException}. Buffers stay valid
     * until they are closed (closing them after the backend is fine). Idempotent.
     */
    @Override
    public synchronized void close() {
        closed = true;
        cleanable.clean();
    }
}

package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * The CPU backend: OpenBLAS GEMM on off-heap memory and fused element-wise kernels as Java loops,
 * with its own team of threads ({@link CpuBackendConfig#threads()}).
 *
 * <p>Threading: OpenBLAS always runs single-threaded inside each call; the backend splits work
 * itself. Large GEMMs are split into row (or column) blocks, one single-threaded GEMM per thread;
 * the whole recurrences ({@link #recurrentForward}, {@link #recurrentBackward}) are split by
 * batch rows, so that each thread runs its own independent chain of small GEMMs and activations
 * with no synchronization inside the time loop; softmax, norms, fills and optimizer updates are
 * split into ranges. Results are deterministic for a given thread count. Synchronous: every
 * kernel has finished when its method returns. Confined to one calling thread.
 */
public final class CpuBackend implements Backend {

    /** GEMMs below this many FLOPs run on one thread (splitting costs more than it saves). */
    static final double PARALLEL_GEMM_FLOPS = 1.5e6;
    /** Element-wise kernels below this many elements run on one thread. */
    static final long PARALLEL_ELEMENTS = 1 << 15;

    private final CpuBackendConfig config;
    private final Gemm gemm;
    private final CpuWorkers workers;
    private final int threads;

    private final GemmTask gemmTask = new GemmTask();
    private final RecurrenceTask recurrenceTask = new RecurrenceTask();
    private final SoftmaxTask softmaxTask = new SoftmaxTask();
    private final RangeTask rangeTask = new RangeTask();
    private final RowTask rowTask = new RowTask();
    private final GateTask gateTask = new GateTask();
    private final double[] partSums;
    private double[][] slopePartials;
    private double[][] stepPartials = new double[0][0];
    private final java.lang.ref.Cleaner.Cleanable cleanable;

    /** Stops the helper threads of backends that were dropped without {@link #close()}. */
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /** A CPU backend with {@link CpuBackendConfig#defaults()}. */
    public CpuBackend() {
        this(CpuBackendConfig.defaults());
    }

    public CpuBackend(CpuBackendConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.gemm = config.nativeBlas() && NativeBlas.available() ? new OpenBlasGemm() : new JavaGemm();
        this.threads = config.resolvedThreads();
        this.workers = new CpuWorkers(threads);
        this.cleanable = CLEANER.register(this, workers::close);
        this.partSums = new double[threads];
        this.slopePartials = new double[threads][0];
    }

    /** The configuration this backend was created with. */
    public CpuBackendConfig config() {
        return config;
    }

    /** Whether GEMM runs in OpenBLAS (true) or in the Java fallback. */
    public boolean usesNativeBlas() {
        return gemm instanceof OpenBlasGemm;
    }

    /** Threads that work on one kernel call, the caller included. */
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

    // ------------------------------------------------------------------ memory

    @Override
    public Tensor allocate(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        return Tensor.of(new CpuBuffer(this, (long) rows * cols), rows, cols);
    }

    @Override
    public IndexBuffer allocateIndices(int length) {
        return new CpuIndexBuffer(this, length);
    }

    private CpuBuffer buf(Tensor t) {
        if (!(t.buffer() instanceof CpuBuffer b) || b.backend() != this) {
            throw new IllegalArgumentException("tensor " + t + " was not allocated by this CPU backend");
        }
        return b;
    }

    private FloatBuffer data(Tensor t) {
        return buf(t).data();
    }

    private int[] idx(IndexBuffer ids) {
        if (!(ids instanceof CpuIndexBuffer b) || b.backend() != this) {
            throw new IllegalArgumentException("index buffer was not allocated by this CPU backend");
        }
        return b.data();
    }

    private static int off(Tensor t) {
        return (int) t.offset();
    }

    private static int rowBase(Tensor t, int r) {
        return (int) (t.offset() + (long) r * t.rowStride());
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        FloatBuffer d = data(dst);
        checkRange("upload source", src.length, srcOffset, dst.size());
        if (dst.isContiguous()) {
            d.put(off(dst), src, srcOffset, (int) dst.size());
            return;
        }
        for (int r = 0; r < dst.rows(); r++) {
            d.put(rowBase(dst, r), src, srcOffset + r * dst.cols(), dst.cols());
        }
    }

    @Override
    public void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        int[] d = idx(dst);
        checkRange("index upload source", src.length, srcOffset, count);
        if (count > d.length) {
            throw new IllegalArgumentException("index upload of " + count + " into a buffer of " + d.length);
        }
        System.arraycopy(src, srcOffset, d, 0, count);
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        FloatBuffer s = data(src);
        checkRange("download target", dst.length, dstOffset, src.size());
        if (src.isContiguous()) {
            s.get(off(src), dst, dstOffset, (int) src.size());
            return;
        }
        for (int r = 0; r < src.rows(); r++) {
            s.get(rowBase(src, r), dst, dstOffset + r * src.cols(), src.cols());
        }
    }

    private static void checkRange(String what, int length, int offset, long count) {
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new IllegalArgumentException(what + ": need " + count + " elements from offset " + offset
                    + " but the array has " + length);
        }
    }

    private static void sameShape(String op, Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": shape mismatch " + a + " vs " + b);
        }
    }

    private static void noOverlap(String op, Tensor out, Tensor in) {
        if (in != null && out.overlaps(in)) {
            throw new IllegalArgumentException(op + ": output " + out + " overlaps input " + in);
        }
    }

    private static void scalar(String op, Tensor t) {
        if (t.rows() != 1 || t.cols() != 1) {
            throw new IllegalArgumentException(op + ": expected a 1x1 tensor, got " + t);
        }
    }

    private int partsFor(long elements) {
        return elements >= PARALLEL_ELEMENTS ? threads : 1;
    }

    @Override
    public void fill(Tensor t, float value) {
        FloatBuffer d = data(t);
        if (t.isContiguous()) {
            rangeTask.set(RangeTask.FILL, d, off(t), null, 0, (int) t.size());
            rangeTask.value = value;
            workers.run(rangeTask, partsFor(t.size()));
            return;
        }
        for (int r = 0; r < t.rows(); r++) {
            int base = rowBase(t, r);
            for (int c = 0; c < t.cols(); c++) {
                d.put(base + c, value);
            }
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        sameShape("copy", src, dst);
        noOverlap("copy", dst, src);
        FloatBuffer s = data(src);
        FloatBuffer d = data(dst);
        for (int r = 0; r < src.rows(); r++) {
            d.put(rowBase(dst, r), s, rowBase(src, r), src.cols());
        }
    }

    // ------------------------------------------------------------------ BLAS-like

    @Override
    public void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int k = io.rnn4j.backend.Shapes.gemmOrDegenerate(this, c, a, transA, b, transB, beta);
        if (k == 0) {
            return;
        }
        int m = c.rows();
        int n = c.cols();
        GemmTask g = gemmTask;
        g.set(transA, transB, m, n, k, alpha, buf(a), a.offset(), ld(a), buf(b), b.offset(), ld(b), beta, buf(c),
                c.offset(), ld(c));
        double flops = 2.0 * m * n * k;
        int parts = flops >= PARALLEL_GEMM_FLOPS ? Math.min(threads, Math.max(m, n) / 8) : 1;
        g.splitRows = m >= n;
        workers.run(g, Math.max(1, parts));
    }

    private static int ld(Tensor t) {
        return t.rows() <= 1 ? Math.max(1, Math.max(t.rowStride(), t.cols())) : Math.max(1, t.rowStride());
    }

    /** [from, to) of part {@code p} of {@code parts} over {@code n} items. */
    static int lo(int n, int p, int parts) {
        return (int) ((long) n * p / parts);
    }

    /** One GEMM, split into row or column blocks of C. */
    private final class GemmTask implements CpuWorkers.Task {
        boolean ta;
        boolean tb;
        int m;
        int n;
        int k;
        float alpha;
        float beta;
        CpuBuffer a;
        CpuBuffer b;
        CpuBuffer c;
        long aOff;
        long bOff;
        long cOff;
        int lda;
        int ldb;
        int ldc;
        boolean splitRows;

        void set(boolean ta, boolean tb, int m, int n, int k, float alpha, CpuBuffer a, long aOff, int lda,
                 CpuBuffer b, long bOff, int ldb, float beta, CpuBuffer c, long cOff, int ldc) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
        }

        @Override
        public void run(int part, int parts) {
            if (splitRows) {
                int r0 = lo(m, part, parts);
                int r1 = lo(m, part + 1, parts);
                if (r1 > r0) {
                    long ao = ta ? aOff + r0 : aOff + (long) r0 * lda;
                    gemm.sgemm(ta, tb, r1 - r0, n, k, alpha, a, ao, lda, b, bOff, ldb, beta, c,
                            cOff + (long) r0 * ldc, ldc);
                }
            } else {
                int c0 = lo(n, part, parts);
                int c1 = lo(n, part + 1, parts);
                if (c1 > c0) {
                    long bo = tb ? bOff + (long) c0 * ldb : bOff + c0;
                    gemm.sgemm(ta, tb, m, c1 - c0, k, alpha, a, aOff, lda, b, bo, ldb, beta, c, cOff + c0, ldc);
                }
            }
        }
    }

    @Override
    public void scale(Tensor x, float alpha) {
        FloatBuffer d = data(x);
        if (x.isContiguous()) {
            rangeTask.set(RangeTask.SCALE, d, off(x), null, 0, (int) x.size());
            rangeTask.value = alpha;
            workers.run(rangeTask, partsFor(x.size()));
            return;
        }
        for (int r = 0; r < x.rows(); r++) {
            int base = rowBase(x, r);
            for (int c = 0; c < x.cols(); c++) {
                d.put(base + c, alpha * d.get(base + c));
            }
        }
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        sameShape("axpy", x, y);
        noOverlap("axpy", y, x);
        FloatBuffer xd = data(x);
        FloatBuffer yd = data(y);
        if (x.isContiguous() && y.isContiguous()) {
            rangeTask.set(RangeTask.AXPY, yd, off(y), xd, off(x), (int) x.size());
            rangeTask.value = alpha;
            workers.run(rangeTask, partsFor(x.size()));
            return;
        }
        for (int r = 0; r < x.rows(); r++) {
            int xb = rowBase(x, r);
            int yb = rowBase(y, r);
            for (int c = 0; c < x.cols(); c++) {
                yd.put(yb + c, yd.get(yb + c) + alpha * xd.get(xb + c));
            }
        }
    }

    @Override
    public void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        scalar("sumSquares", out);
        FloatBuffer d = data(x);
        double sum = 0;
        if (x.isContiguous()) {
            int parts = partsFor(x.size());
            rangeTask.set(RangeTask.SUM_SQUARES, d, off(x), null, 0, (int) x.size());
            workers.run(rangeTask, parts);
            for (int p = 0; p < parts; p++) {
                sum += partSums[p];
            }
        } else {
            for (int r = 0; r < x.rows(); r++) {
                sum += Kernels.sumSquares(d, rowBase(x, r), x.cols());
            }
        }
        FloatBuffer o = data(out);
        o.put(off(out), (float) ((accumulate ? o.get(off(out)) : 0.0) + sum));
    }

    @Override
    public void addRowVector(Tensor x, Tensor v) {
        if (v.rows() != 1 || v.cols() != x.cols()) {
            throw new IllegalArgumentException("addRowVector: vector " + v + " must be 1x" + x.cols());
        }
        noOverlap("addRowVector", x, v);
        RowTask t = rowTask;
        t.set(RowTask.ADD_ROW_VECTOR, x, v, null, 0);
        workers.run(t, rowParts(x));
    }

    @Override
    public void sumRows(Tensor x, Tensor out, boolean accumulate) {
        if (out.rows() != 1 || out.cols() != x.cols()) {
            throw new IllegalArgumentException("sumRows: output " + out + " must be 1x" + x.cols());
        }
        noOverlap("sumRows", out, x);
        int parts = rowParts(x);
        for (int p = 0; p < parts; p++) {
            slopePartial(p, x.cols());
        }
        RowTask t = rowTask;
        t.set(RowTask.SUM_ROWS, x, null, null, 0);
        workers.run(t, parts);
        FloatBuffer od = data(out);
        int oo = off(out);
        for (int c = 0; c < x.cols(); c++) {
            double sum = accumulate ? od.get(oo + c) : 0.0;
            for (int p = 0; p < parts; p++) {
                sum += slopePartials[p][c];
            }
            od.put(oo + c, (float) sum);
        }
    }

    private int rowParts(Tensor x) {
        return Math.min(partsFor(x.size()), Math.max(1, x.rows()));
    }

    /** Row-wise kernels split by rows (or, for scatter-add, by columns, so repeated ids never race). */
    private final class RowTask implements CpuWorkers.Task {
        static final int ADD_ROW_VECTOR = 0;
        static final int SUM_ROWS = 1;
        static final int GATHER = 2;
        static final int SCATTER_ADD = 3;

        int op;
        FloatBuffer x;
        int xOff;
        int xStride;
        int rows;
        int cols;
        FloatBuffer v;
        int vOff;
        int vStride;
        int[] ids;
        int idOff;
        boolean accumulate;

        void set(int op, Tensor x, Tensor v, int[] ids, int idOff) {
            this.op = op;
            this.x = data(x);
            this.xOff = off(x);
            this.xStride = x.rowStride();
            this.rows = x.rows();
            this.cols = x.cols();
            this.v = v == null ? null : data(v);
            this.vOff = v == null ? 0 : off(v);
            this.vStride = v == null ? 0 : v.rowStride();
            this.ids = ids;
            this.idOff = idOff;
        }

        @Override
        public void run(int part, int parts) {
            switch (op) {
                case ADD_ROW_VECTOR -> {
                    for (int r = lo(rows, part, parts), end = lo(rows, part + 1, parts); r < end; r++) {
                        int base = xOff + r * xStride;
                        for (int c = 0; c < cols; c++) {
                            x.put(base + c, x.get(base + c) + v.get(vOff + c));
                        }
                    }
                }
                case SUM_ROWS -> {
                    double[] acc = slopePartials[part];
                    for (int r = lo(rows, part, parts), end = lo(rows, part + 1, parts); r < end; r++) {
                        int base = xOff + r * xStride;
                        for (int c = 0; c < cols; c++) {
                            acc[c] += x.get(base + c);
                        }
                    }
                }
                case GATHER -> {
                    // x = out (rows × cols), v = table
                    for (int r = lo(rows, part, parts), end = lo(rows, part + 1, parts); r < end; r++) {
                        int tb = vOff + ids[idOff + r] * vStride;
                        int ob = xOff + r * xStride;
                        if (accumulate) {
                            for (int c = 0; c < cols; c++) {
                                x.put(ob + c, x.get(ob + c) + v.get(tb + c));
                            }
                        } else {
                            x.put(ob, v, tb, cols);
                        }
                    }
                }
                case SCATTER_ADD -> {
                    // x = src (rows × cols), v = table; this part owns columns [c0, c1)
                    int c0 = lo(cols, part, parts);
                    int c1 = lo(cols, part + 1, parts);
                    for (int r = 0; r < rows; r++) {
                        int tb = vOff + ids[idOff + r] * vStride;
                        int sb = xOff + r * xStride;
                        for (int c = c0; c < c1; c++) {
                            v.put(tb + c, v.get(tb + c) + x.get(sb + c));
                        }
                    }
                }
                default -> throw new IllegalStateException("op " + op);
            }
        }
    }

    /** A zeroed per-part double scratch of at least {@code cols} entries. */
    private double[] slopePartial(int part, int cols) {
        double[] a = slopePartials[part];
        if (a.length < cols) {
            a = new double[cols];
            slopePartials[part] = a;
        } else {
            java.util.Arrays.fill(a, 0, cols, 0.0);
        }
        return a;
    }

    // ------------------------------------------------------------------ embedding

    @Override
    public void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        if (table.cols() != out.cols()) {
            throw new IllegalArgumentException("gatherRows: table " + table + " and output " + out + " differ in columns");
        }
        noOverlap("gatherRows", out, table);
        int[] id = idx(ids);
        checkRange("gatherRows ids", id.length, idOffset, out.rows());
        checkIds("gatherRows", id, idOffset, out.rows(), table.rows());
        RowTask t = rowTask;
        t.set(RowTask.GATHER, out, table, id, idOffset);
        t.accumulate = accumulate;
        workers.run(t, rowParts(out));
    }

    private static void checkIds(String op, int[] id, int from, int count, int limit) {
        for (int r = 0; r < count; r++) {
            int row = id[from + r];
            if (row < 0 || row >= limit) {
                throw new IllegalArgumentException(op + ": index " + row + " at position " + (from + r)
                        + " is outside [0, " + limit + ")");
            }
        }
    }

    @Override
    public void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        if (table.cols() != src.cols()) {
            throw new IllegalArgumentException("scatterAddRows: source " + src + " and table " + table + " differ in columns");
        }
        noOverlap("scatterAddRows", table, src);
        int[] id = idx(ids);
        checkRange("scatterAddRows ids", id.length, idOffset, src.rows());
        checkIds("scatterAddRows", id, idOffset, src.rows(), table.rows());
        RowTask t = rowTask;
        t.set(RowTask.SCATTER_ADD, src, table, id, idOffset);
        workers.run(t, Math.min(partsFor(src.size()), Math.max(1, src.cols() / 8)));
    }

    // ------------------------------------------------------------------ fused element-wise

    private static void checkSlope(String op, Tensor slope, int cols) {
        if (slope == null || slope.rows() != 1 || slope.cols() != cols) {
            throw new IllegalArgumentException(op + ": PReLU needs a 1x" + cols + " slope tensor, got " + slope);
        }
    }

    @Override
    public void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        sameShape("activationForward", s, h);
        if (h != s && h.overlaps(s) && (h.offset() != s.offset() || h.rowStride() != s.rowStride())) {
            throw new IllegalArgumentException("activationForward: output " + h + " partially overlaps input " + s);
        }
        FloatBuffer ad = null;
        int ao = 0;
        if (f == Activation.PRELU) {
            checkSlope("activationForward", slope, s.cols());
            ad = data(slope);
            ao = off(slope);
        }
        Kernels.activationForward(f, data(s), off(s), s.rowStride(), data(h), off(h), h.rowStride(), s.rows(), s.cols(),
                ad, ao);
    }

    @Override
    public void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        sameShape("activationBackward", s, g);
        sameShape("activationBackward", h, g);
        FloatBuffer ad = null;
        int ao = 0;
        double[] partial = null;
        if (f == Activation.PRELU) {
            checkSlope("activationBackward", slope, g.cols());
            checkSlope("activationBackward (slope gradient)", slopeGrad, g.cols());
            ad = data(slope);
            ao = off(slope);
            partial = slopePartial(0, g.cols());
        }
        Kernels.activationBackward(f, data(s), off(s), s.rowStride(), data(h), off(h), h.rowStride(), data(g), off(g),
                g.rowStride(), g.rows(), g.cols(), ad, ao, partial);
        if (partial != null) {
            addPartials(slopeGrad, 1);
        }
    }

    /** slopeGrad[c] += Σ_p partial_p[c], in part order (deterministic). */
    private void addPartials(Tensor slopeGrad, int parts) {
        FloatBuffer d = data(slopeGrad);
        int o = off(slopeGrad);
        for (int c = 0; c < slopeGrad.cols(); c++) {
            double sum = 0;
            for (int p = 0; p < parts; p++) {
                sum += slopePartials[p][c];
            }
            d.put(o + c, (float) (d.get(o + c) + sum));
        }
    }

    @Override
    public void recurrentForward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope, int batch) {
        int steps = Backend.checkRecurrence(recurrent, pre, hidden, batch);
        noOverlap("recurrentForward", pre, hidden);
        noOverlap("recurrentForward", pre, recurrent);
        noOverlap("recurrentForward", hidden, recurrent);
        if (f == Activation.PRELU) {
            checkSlope("recurrentForward", slope, pre.cols());
        }
        RecurrenceTask task = recurrenceTask;
        task.set(false, f, recurrent, pre, hidden, null, slope, batch, steps);
        workers.run(task, recurrenceParts(batch, pre.cols()));
    }

    @Override
    public void recurrentBackward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad, Tensor slope,
                                  Tensor slopeGrad, int batch, Tensor stepSquares) {
        int steps = Backend.checkRecurrence(recurrent, pre, hidden, batch);
        sameShape("recurrentBackward grad", pre, grad);
        noOverlap("recurrentBackward", grad, pre);
        noOverlap("recurrentBackward", grad, hidden);
        noOverlap("recurrentBackward", grad, recurrent);
        if (f == Activation.PRELU) {
            checkSlope("recurrentBackward", slope, pre.cols());
            checkSlope("recurrentBackward (slope gradient)", slopeGrad, pre.cols());
        }
        if (stepSquares != null && (stepSquares.rows() != steps || stepSquares.cols() != 2)) {
            throw new IllegalArgumentException("recurrentBackward: stepSquares must be " + steps + "x2, got " + stepSquares);
        }
        RecurrenceTask task = recurrenceTask;
        task.set(true, f, recurrent, pre, hidden, grad, slope, batch, steps);
        int parts = recurrenceParts(batch, pre.cols());
        task.recordNorms = stepSquares != null;
        if (task.recordNorms) {
            if (stepPartials.length < parts || stepPartials[0].length < 2 * steps) {
                stepPartials = new double[Math.max(parts, threads)][2 * steps];
            }
            for (int p = 0; p < parts; p++) {
                java.util.Arrays.fill(stepPartials[p], 0, 2 * steps, 0.0);
            }
        }
        if (f == Activation.PRELU) {
            for (int p = 0; p < parts; p++) {
                slopePartial(p, pre.cols());
            }
        }
        workers.run(task, parts);
        if (f == Activation.PRELU) {
            addPartials(slopeGrad, parts);
        }
        if (task.recordNorms) {
            FloatBuffer d = data(stepSquares);
            for (int t = 0; t < steps; t++) {
                double dh = 0;
                double dl = 0;
                for (int p = 0; p < parts; p++) {
                    dh += stepPartials[p][2 * t];
                    dl += stepPartials[p][2 * t + 1];
                }
                d.put(rowBase(stepSquares, t), (float) dh);
                d.put(rowBase(stepSquares, t) + 1, (float) dl);
            }
        }
    }

    /** Split the batch when each thread gets at least two rows and a step is worth a hand-off. */
    private int recurrenceParts(int batch, int h) {
        if (threads == 1 || batch < 4) {
            return 1;
        }
        double flopsPerStep = 2.0 * batch * h * h;
        return flopsPerStep >= 64 * 64 * 64 ? Math.min(threads, batch / 2) : 1;
    }

    /** Either recurrence for batch rows [b0, b1) of every step: an independent chain per part. */
    private final class RecurrenceTask implements CpuWorkers.Task {
        boolean backward;
        Activation f;
        CpuBuffer u;
        long uOff;
        int ldu;
        CpuBuffer pre;
        int preOff;
        int preStride;
        CpuBuffer hidden;
        int hOff;
        int hStride;
        CpuBuffer grad;
        int gOff;
        int gStride;
        FloatBuffer slope;
        int aOff;
        int batch;
        int steps;
        int h;
        boolean recordNorms;

        void set(boolean backward, Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                 Tensor slope, int batch, int steps) {
            this.backward = backward;
            this.f = f;
            this.u = buf(recurrent);
            this.uOff = recurrent.offset();
            this.ldu = ld(recurrent);
            this.pre = buf(pre);
            this.preOff = off(pre);
            this.preStride = pre.rowStride();
            this.hidden = buf(hidden);
            this.hOff = off(hidden);
            this.hStride = hidden.rowStride();
            this.grad = grad == null ? null : buf(grad);
            this.gOff = grad == null ? 0 : off(grad);
            this.gStride = grad == null ? 0 : grad.rowStride();
            this.slope = f == Activation.PRELU ? data(slope) : null;
            this.aOff = f == Activation.PRELU ? off(slope) : 0;
            this.batch = batch;
            this.steps = steps;
            this.h = pre.cols();
        }

        @Override
        public void run(int part, int parts) {
            int b0 = lo(batch, part, parts);
            int rows = lo(batch, part + 1, parts) - b0;
            if (rows == 0) {
                return;
            }
            FloatBuffer pd = pre.data();
            FloatBuffer hd = hidden.data();
            if (!backward) {
                for (int t = 0; t < steps; t++) {
                    int sRow = preOff + (t * batch + b0) * preStride;
                    int hPrev = hOff + (t * batch + b0) * hStride;
                    int hNext = hOff + ((t + 1) * batch + b0) * hStride;
                    gemm.sgemm(false, true, rows, h, h, 1f, hidden, hPrev, hStride, u, uOff, ldu, 1f, pre, sRow,
                            preStride);
                    Kernels.activationForward(f, pd, sRow, preStride, hd, hNext, hStride, rows, h, slope, aOff);
                }
            } else {
                FloatBuffer gd = grad.data();
                double[] partial = f == Activation.PRELU ? slopePartials[part] : null;
                for (int t = steps - 1; t >= 0; t--) {
                    int gRow = gOff + (t * batch + b0) * gStride;
                    if (t < steps - 1) {
                        int gNext = gOff + ((t + 1) * batch + b0) * gStride;
                        gemm.sgemm(false, false, rows, h, h, 1f, grad, gNext, gStride, u, uOff, ldu, 1f, grad, gRow,
                                gStride);
                    }
                    int sRow = preOff + (t * batch + b0) * preStride;
                    int hRow = hOff + ((t + 1) * batch + b0) * hStride;
                    if (recordNorms) {
                        stepPartials[part][2 * t] = rowsSumSquares(gd, gRow, gStride, rows, h);
                    }
                    Kernels.activationBackward(f, pd, sRow, preStride, hd, hRow, hStride, gd, gRow, gStride, rows, h,
                            slope, aOff, partial);
                    if (recordNorms) {
                        stepPartials[part][2 * t + 1] = rowsSumSquares(gd, gRow, gStride, rows, h);
                    }
                }
            }
        }
    }

    private static double rowsSumSquares(FloatBuffer x, int off, int stride, int rows, int cols) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
            s += Kernels.sumSquares(x, off + r * stride, cols);
        }
        return s;
    }

    // ------------------------------------------------------------------ gated cells

    @Override
    public void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        int b = h.rows();
        int hh = h.cols();
        io.rnn4j.backend.Shapes.lstmForward(gates, cPrev, c, h, tanhC);
        gateTask.set(GateTask.LSTM_FORWARD, b, hh, gates, cPrev, c, h, tanhC, null, null);
        workers.run(gateTask, gateParts(b, hh));
    }

    @Override
    public void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        int b = dh.rows();
        int hh = dh.cols();
        io.rnn4j.backend.Shapes.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
        gateTask.set(GateTask.LSTM_BACKWARD, b, hh, gates, cPrev, tanhC, dh, dc, dGates, null);
        workers.run(gateTask, gateParts(b, hh));
    }

    @Override
    public void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        int b = h.rows();
        int hh = h.cols();
        io.rnn4j.backend.Shapes.gruForward(xGates, hGates, hPrev, h, gates);
        gateTask.set(GateTask.GRU_FORWARD, b, hh, xGates, hGates, hPrev, h, gates, null, null);
        workers.run(gateTask, gateParts(b, hh));
    }

    @Override
    public void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                            Tensor dhPrev) {
        int b = dh.rows();
        int hh = dh.cols();
        io.rnn4j.backend.Shapes.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        gateTask.set(GateTask.GRU_BACKWARD, b, hh, gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        workers.run(gateTask, gateParts(b, hh));
    }

    private int gateParts(int rows, int h) {
        return (long) rows * h * 4 >= PARALLEL_ELEMENTS / 4 ? Math.min(threads, rows) : 1;
    }

    /** The fused gate kernels, split by batch rows. */
    private final class GateTask implements CpuWorkers.Task {
        static final int LSTM_FORWARD = 0;
        static final int LSTM_BACKWARD = 1;
        static final int GRU_FORWARD = 2;
        static final int GRU_BACKWARD = 3;
        int op;
        int rows;
        int h;
        final FloatBuffer[] b = new FloatBuffer[7];
        final int[] o = new int[7];
        final int[] s = new int[7];

        void set(int op, int rows, int h, Tensor t0, Tensor t1, Tensor t2, Tensor t3, Tensor t4, Tensor t5,
                 Tensor t6) {
            this.op = op;
            this.rows = rows;
            this.h = h;
            put(0, t0);
            put(1, t1);
            put(2, t2);
            put(3, t3);
            put(4, t4);
            put(5, t5);
            put(6, t6);
        }

        private void put(int i, Tensor t) {
            b[i] = t == null ? null : data(t);
            o[i] = t == null ? 0 : off(t);
            s[i] = t == null ? 0 : t.rowStride();
        }

        @Override
        public void run(int part, int parts) {
            int r0 = lo(rows, part, parts);
            int r1 = lo(rows, part + 1, parts);
            switch (op) {
                case LSTM_FORWARD -> Kernels.lstmForward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3], o[3],
                        s[3], b[4], o[4], s[4], r0, r1, h);
                case LSTM_BACKWARD -> Kernels.lstmBackward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], b[5], o[5], s[5], r0, r1, h);
                case GRU_FORWARD -> Kernels.gruForward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3], o[3],
                        s[3], b[4], o[4], s[4], r0, r1, h);
                case GRU_BACKWARD -> Kernels.gruBackward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3], o[3],
                        s[3], b[4], o[4], s[4], b[5], o[5], s[5], b[6], o[6], s[6], r0, r1, h);
                default -> throw new IllegalStateException("op " + op);
            }
        }
    }

    @Override
    public void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights,
                                    float gradScale, Tensor loss) {
        scalar("softmaxCrossEntropy loss", loss);
        checkWeights("softmaxCrossEntropy", weights, z.rows());
        int[] tg = idx(targets);
        checkRange("softmaxCrossEntropy targets", tg.length, targetOffset, z.rows());
        SoftmaxTask t = softmaxTask;
        t.z = data(z);
        t.zOff = off(z);
        t.zStride = z.rowStride();
        t.rows = z.rows();
        t.cols = z.cols();
        t.tg = tg;
        t.tOff = targetOffset;
        t.w = weights == null ? null : data(weights);
        t.wOff = weights == null ? 0 : off(weights);
        t.wStride = weights == null ? 0 : weights.rowStride();
        t.gradScale = gradScale;
        int parts = Math.min(partsFor(z.size()), Math.max(1, z.rows()));
        workers.run(t, parts);
        double total = 0;
        for (int p = 0; p < parts; p++) {
            total += partSums[p];
        }
        FloatBuffer ld = data(loss);
        ld.put(off(loss), (float) (ld.get(off(loss)) + total));
    }

    private final class SoftmaxTask implements CpuWorkers.Task {
        FloatBuffer z;
        int zOff;
        int zStride;
        int rows;
        int cols;
        int[] tg;
        int tOff;
        FloatBuffer w;
        int wOff;
        int wStride;
        float gradScale;

        @Override
        public void run(int part, int parts) {
            partSums[part] = Kernels.softmaxCrossEntropy(z, zOff, zStride, lo(rows, part, parts),
                    lo(rows, part + 1, parts), cols, tg, tOff, w, wOff, wStride, gradScale);
        }
    }

    private static void checkWeights(String op, Tensor weights, int rows) {
        if (weights != null && (weights.rows() != rows || weights.cols() != 1)) {
            throw new IllegalArgumentException(op + ": weights must be " + rows + "x1, got " + weights);
        }
    }

    @Override
    public void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        sameShape("squaredError", pred, target);
        scalar("squaredError loss", loss);
        checkWeights("squaredError", weights, pred.rows());
        FloatBuffer pd = data(pred);
        FloatBuffer td = data(target);
        FloatBuffer wd = weights == null ? null : data(weights);
        double total = 0;
        for (int r = 0; r < pred.rows(); r++) {
            int pb = rowBase(pred, r);
            int tb = rowBase(target, r);
            float w = wd == null ? 1f : wd.get(rowBase(weights, r));
            float k = 2f * gradScale * w;
            for (int c = 0; c < pred.cols(); c++) {
                float d = pd.get(pb + c) - td.get(tb + c);
                if (w != 0f) {
                    total += (double) w * d * d;
                }
                pd.put(pb + c, w == 0f ? 0f : k * d);
            }
        }
        FloatBuffer ld = data(loss);
        ld.put(off(loss), (float) (ld.get(off(loss)) + total));
    }

    @Override
    public void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        scalar("clipScale sumSquares", sumSquares);
        scalar("clipScale scale", scale);
        double norm = Math.sqrt(data(sumSquares).get(off(sumSquares)));
        float k;
        if (!Double.isFinite(norm)) {
            k = Float.NaN;
        } else {
            k = norm >= threshold ? (float) (threshold / norm) : 1f;
        }
        data(scale).put(off(scale), k);
    }

    @Override
    public void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                Tensor gradScale, long step) {
        sameShape("optimizerUpdate grads", params, grads);
        scalar("optimizerUpdate gradScale", gradScale);
        int states = rule.stateTensors();
        if (states >= 1) {
            if (state1 == null) {
                throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs state1");
            }
            sameShape("optimizerUpdate state1", params, state1);
        }
        if (states >= 2) {
            if (state2 == null) {
                throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs state2");
            }
            sameShape("optimizerUpdate state2", params, state2);
        }
        if (step < 1) {
            throw new IllegalArgumentException("optimizerUpdate: step must be >= 1, got " + step);
        }
        if (!params.isContiguous() || !grads.isContiguous()
                || (state1 != null && !state1.isContiguous()) || (state2 != null && !state2.isContiguous())) {
            throw new IllegalArgumentException("optimizerUpdate: arenas must be contiguous");
        }
        RangeTask t = rangeTask;
        t.set(RangeTask.UPDATE, data(params), off(params), data(grads), off(grads), (int) params.size());
        t.rule = rule;
        t.s1 = states >= 1 ? data(state1) : null;
        t.o1 = states >= 1 ? off(state1) : 0;
        t.s2 = states >= 2 ? data(state2) : null;
        t.o2 = states >= 2 ? off(state2) : 0;
        t.value = data(gradScale).get(off(gradScale));
        t.c1 = (float) (1.0 / (1.0 - Math.pow(rule.beta1(), step)));
        t.c2 = (float) (1.0 / (1.0 - Math.pow(rule.beta2(), step)));
        workers.run(t, partsFor(params.size()));
        t.rule = null;
    }

    /** Element-wise work on contiguous ranges: split into equal chunks per thread. */
    private final class RangeTask implements CpuWorkers.Task {
        static final int FILL = 0;
        static final int SCALE = 1;
        static final int AXPY = 2;
        static final int SUM_SQUARES = 3;
        static final int UPDATE = 4;

        int op;
        FloatBuffer y;
        int yOff;
        FloatBuffer x;
        int xOff;
        int n;
        float value;
        UpdateRule rule;
        FloatBuffer s1;
        int o1;
        FloatBuffer s2;
        int o2;
        float c1;
        float c2;

        void set(int op, FloatBuffer y, int yOff, FloatBuffer x, int xOff, int n) {
            this.op = op;
            this.y = y;
            this.yOff = yOff;
            this.x = x;
            this.xOff = xOff;
            this.n = n;
        }

        @Override
        public void run(int part, int parts) {
            int i0 = lo(n, part, parts);
            int i1 = lo(n, part + 1, parts);
            switch (op) {
                case FILL -> {
                    for (int i = i0; i < i1; i++) {
                        y.put(yOff + i, value);
                    }
                }
                case SCALE -> {
                    for (int i = i0; i < i1; i++) {
                        y.put(yOff + i, value * y.get(yOff + i));
                    }
                }
                case AXPY -> {
                    for (int i = i0; i < i1; i++) {
                        y.put(yOff + i, y.get(yOff + i) + value * x.get(xOff + i));
                    }
                }
                case SUM_SQUARES -> partSums[part] = Kernels.sumSquares(y, yOff + i0, i1 - i0);
                case UPDATE -> update(i0, i1);
                default -> throw new IllegalStateException("op " + op);
            }
        }

        /** The optimizer rules of {@link UpdateRule}; y = params, x = grads. */
        private void update(int i0, int i1) {
            FloatBuffer p = y;
            FloatBuffer g = x;
            int po = yOff;
            int go = xOff;
            float k = value;
            float clip = rule.clipValue();
            boolean clamp = clip != Float.POSITIVE_INFINITY;
            float lr = rule.learningRate();
            float eps = rule.epsilon();
            switch (rule.kind()) {
                case SGD -> {
                    float mu = rule.momentum();
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = Math.max(-clip, Math.min(clip, gi));
                        }
                        if (s1 != null) {
                            gi = mu * s1.get(o1 + i) + gi;
                            s1.put(o1 + i, gi);
                        }
                        p.put(po + i, p.get(po + i) - lr * gi);
                    }
                }
                case ADAGRAD -> {
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = Math.max(-clip, Math.min(clip, gi));
                        }
                        float a = s1.get(o1 + i) + gi * gi;
                        s1.put(o1 + i, a);
                        p.put(po + i, p.get(po + i) - lr * gi / ((float) Math.sqrt(a) + eps));
                    }
                }
                case RMSPROP -> {
                    float rho = rule.rho();
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = Math.max(-clip, Math.min(clip, gi));
                        }
                        float v = rho * s1.get(o1 + i) + (1f - rho) * gi * gi;
                        s1.put(o1 + i, v);
                        p.put(po + i, p.get(po + i) - lr * gi / ((float) Math.sqrt(v) + eps));
                    }
                }
                case ADAM -> {
                    float b1 = rule.beta1();
                    float b2 = rule.beta2();
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = Math.max(-clip, Math.min(clip, gi));
                        }
                        float m = b1 * s1.get(o1 + i) + (1f - b1) * gi;
                        float v = b2 * s2.get(o2 + i) + (1f - b2) * gi * gi;
                        s1.put(o1 + i, m);
                        s2.put(o2 + i, v);
                        p.put(po + i, p.get(po + i) - lr * (m * c1) / ((float) Math.sqrt(v * c2) + eps));
                    }
                }
                default -> throw new IllegalArgumentException("unsupported optimizer " + rule.kind());
            }
        }
    }

    @Override
    public void synchronize() {
        // Synchronous backend: nothing is queued.
    }

    /** Stops the helper threads. Buffers stay valid; kernels can no longer run in parallel. Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }
}

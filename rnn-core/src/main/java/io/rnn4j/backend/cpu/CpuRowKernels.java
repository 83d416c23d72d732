package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;
import static io.rnn4j.backend.cpu.CpuBackend.rowBase;

import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/**
 * The element-wise and row kernels of the CPU backend: fill, scale, axpy and the sum of squares
 * over contiguous ranges; the bias broadcast and column sums, the embedding gather and scatter-add
 * split by rows (scatter-add by columns, so that repeated ids never race); dropout masks and the
 * element-wise product ({@link CpuActivations} holds the activations).
 */
final class CpuRowKernels {
    private final CpuBackend be;
    private final RangeTask rangeTask = new RangeTask();
    private final RowTask rowTask = new RowTask();

    CpuRowKernels(CpuBackend be) {
        this.be = be;
    }

    void fill(Tensor t, float value) {
        FloatBuffer d = be.data(t);
        if (t.isContiguous()) {
            run(RangeTask.FILL, d, off(t), null, 0, (int) t.size(), value);
            return;
        }
        for (int r = 0; r < t.rows(); r++) {
            int base = rowBase(t, r);
            for (int c = 0; c < t.cols(); c++) {
                d.put(base + c, value);
            }
        }
    }

    void scale(Tensor x, float alpha) {
        FloatBuffer d = be.data(x);
        if (x.isContiguous()) {
            run(RangeTask.SCALE, d, off(x), null, 0, (int) x.size(), alpha);
            return;
        }
        for (int r = 0; r < x.rows(); r++) {
            int base = rowBase(x, r);
            for (int c = 0; c < x.cols(); c++) {
                d.put(base + c, alpha * d.get(base + c));
            }
        }
    }

    void axpy(float alpha, Tensor x, Tensor y) {
        Shapes.axpy(x, y);
        FloatBuffer xd = be.data(x);
        FloatBuffer yd = be.data(y);
        if (x.isContiguous() && y.isContiguous()) {
            run(RangeTask.AXPY, yd, off(y), xd, off(x), (int) x.size(), alpha);
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

    void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        Shapes.scalar("sumSquares", out);
        FloatBuffer d = be.data(x);
        double sum = 0;
        if (x.isContiguous()) {
            int parts = run(RangeTask.SUM_SQUARES, d, off(x), null, 0, (int) x.size(), 0f);
            sum = be.partials.sum(parts);
        } else {
            for (int r = 0; r < x.rows(); r++) {
                sum += Kernels.sumSquares(d, rowBase(x, r), x.cols());
            }
        }
        FloatBuffer o = be.data(out);
        o.put(off(out), (float) ((accumulate ? o.get(off(out)) : 0.0) + sum));
    }

    /** Runs a range kernel over {@code n} contiguous floats; returns the parts used. */
    private int run(int op, FloatBuffer y, int yOff, FloatBuffer x, int xOff, int n, float value) {
        RangeTask t = rangeTask;
        t.op = op;
        t.y = y;
        t.yOff = yOff;
        t.x = x;
        t.xOff = xOff;
        t.n = n;
        t.value = value;
        int parts = be.partsFor(n);
        be.workers.run(t, parts);
        return parts;
    }

    void addRowVector(Tensor x, Tensor v) {
        Shapes.addRowVector(x, v);
        rowTask.set(RowTask.ADD_ROW_VECTOR, x, v, null, 0);
        be.workers.run(rowTask, be.rowParts(x));
    }

    void sumRows(Tensor x, Tensor out, boolean accumulate) {
        Shapes.sumRows(x, out);
        int parts = be.rowParts(x);
        for (int p = 0; p < parts; p++) {
            be.partials.zeroedRow(p, x.cols());
        }
        rowTask.set(RowTask.SUM_ROWS, x, null, null, 0);
        be.workers.run(rowTask, parts);
        be.partials.addRowsInto(be.data(out), off(out), out.cols(), parts, accumulate);
    }

    void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        Shapes.gatherRows(table, ids, idOffset, out);
        int[] id = be.idx(ids);
        checkIds("gatherRows", id, idOffset, out.rows(), table.rows());
        rowTask.set(RowTask.GATHER, out, table, id, idOffset);
        rowTask.accumulate = accumulate;
        be.workers.run(rowTask, be.rowParts(out));
    }

    void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        Shapes.scatterAddRows(src, ids, idOffset, table);
        int[] id = be.idx(ids);
        checkIds("scatterAddRows", id, idOffset, src.rows(), table.rows());
        rowTask.set(RowTask.SCATTER_ADD, src, table, id, idOffset);
        rowTask.tableRows = table.rows();
        int parts = src.size() < SCATTER_SPLIT_FLOATS ? 1
                : Math.min(be.partsFor(src.size()), Math.max(1, src.cols() / 8));
        be.workers.run(rowTask, parts);
    }

    /** The CPU backend can afford to check every id (a GPU backend leaves that to the caller). */
    private static void checkIds(String op, int[] id, int from, int count, int limit) {
        for (int r = 0; r < count; r++) {
            int row = id[from + r];
            if (row < 0 || row >= limit) {
                throw new IllegalArgumentException(op + ": index " + row + " at position " + (from + r)
                        + " is outside [0, " + limit + ")");
            }
        }
    }

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    void dropoutMask(Tensor mask, float p, long seed, long stream) {
        io.rnn4j.backend.internal.Shapes.dropoutMask(mask, p);
        FloatBuffer d = be.data(mask);
        int o = off(mask);
        long key = mix(seed ^ mix(stream));
        float keep = 1f / (1f - p);
        long n = mask.size();
        for (long i = 0; i < n; i++) {
            long v = mix(key + 0x9E3779B97F4A7C15L * (i + 1));
            float u = (v >>> 40) * 0x1.0p-24f;
            d.put(o + (int) i, u < p ? 0f : keep);
        }
    }

    void multiply(Tensor x, Tensor factors, Tensor out) {
        Shapes.multiply(x, factors, out);
        FloatBuffer xd = be.data(x);
        FloatBuffer fd = be.data(factors);
        FloatBuffer od = be.data(out);
        int m = factors.rows();
        for (int r = 0; r < x.rows(); r++) {
            int xb = rowBase(x, r);
            int fb = rowBase(factors, r % m);
            int ob = rowBase(out, r);
            for (int c = 0; c < x.cols(); c++) {
                od.put(ob + c, xd.get(xb + c) * fd.get(fb + c));
            }
        }
    }

    /** Element-wise work on contiguous ranges: split into equal chunks per thread. */
    private final class RangeTask implements CpuWorkers.Task {
        static final int FILL = 0;
        static final int SCALE = 1;
        static final int AXPY = 2;
        static final int SUM_SQUARES = 3;

        int op;
        FloatBuffer y;
        int yOff;
        FloatBuffer x;
        int xOff;
        int n;
        float value;

        @Override
        public void run(int part, int parts) {
            int i0 = lo(n, part, parts);
            int i1 = lo(n, part + 1, parts);
            if (op == SUM_SQUARES) {
                be.partials.set(part, Kernels.sumSquares(y, yOff + i0, i1 - i0));
                return;
            }
            // In chunks through arrays: bulk copies and loops the JIT vectorizes (the same operations).
            float[] a = Scratch.floats(Scratch.ROW_0, CHUNK);
            float[] b = op == AXPY ? Scratch.floats(Scratch.ROW_1, CHUNK) : null;
            if (op == FILL) {
                java.util.Arrays.fill(a, 0, Math.min(CHUNK, i1 - i0), value);
            }
            for (int i = i0; i < i1; i += CHUNK) {
                int n = Math.min(CHUNK, i1 - i);
                switch (op) {
                    case FILL -> { }
                    case SCALE -> {
                        y.get(yOff + i, a, 0, n);
                        for (int j = 0; j < n; j++) {
                            a[j] = value * a[j];
                        }
                    }
                    case AXPY -> {
                        y.get(yOff + i, a, 0, n);
                        x.get(xOff + i, b, 0, n);
                        for (int j = 0; j < n; j++) {
                            a[j] = a[j] + value * b[j];
                        }
                    }
                    default -> throw new IllegalStateException("op " + op);
                }
                y.put(yOff + i, a, 0, n);
            }
        }

        /** Floats per chunk of the element-wise loops (16 KiB: well inside L1 with its source). */
        private static final int CHUNK = 4096;
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
        /** Scatter-add: the table's rows. */
        int tableRows;

        void set(int op, Tensor x, Tensor v, int[] ids, int idOff) {
            this.op = op;
            this.x = be.data(x);
            this.xOff = off(x);
            this.xStride = x.rowStride();
            this.rows = x.rows();
            this.cols = x.cols();
            this.v = v == null ? null : be.data(v);
            this.vOff = v == null ? 0 : off(v);
            this.vStride = v == null ? 0 : v.rowStride();
            this.ids = ids;
            this.idOff = idOff;
        }

        @Override
        public void run(int part, int parts) {
            switch (op) {
                // row by row through arrays: bulk copies and loops the JIT vectorizes (same sums, same order)
                case ADD_ROW_VECTOR -> {
                    float[] t = Scratch.floats(Scratch.ROW_0, cols);
                    float[] vb = Scratch.floats(Scratch.ROW_1, cols);
                    v.get(vOff, vb, 0, cols);
                    for (int r = lo(rows, part, parts), end = lo(rows, part + 1, parts); r < end; r++) {
                        int base = xOff + r * xStride;
                        x.get(base, t, 0, cols);
                        for (int c = 0; c < cols; c++) {
                            t[c] += vb[c];
                        }
                        x.put(base, t, 0, cols);
                    }
                }
                case SUM_ROWS -> {
                    double[] acc = be.partials.row(part);
                    float[] t = Scratch.floats(Scratch.ROW_0, cols);
                    for (int r = lo(rows, part, parts), end = lo(rows, part + 1, parts); r < end; r++) {
                        x.get(xOff + r * xStride, t, 0, cols);
                        for (int c = 0; c < cols; c++) {
                            acc[c] += t[c];
                        }
                    }
                }
                case GATHER -> {
                    // x = out (rows × cols), v = table
                    for (int r = lo(rows, part, parts), end = lo(rows, part + 1, parts); r < end; r++) {
                        int tb = vOff + ids[idOff + r] * vStride;
                        int ob = xOff + r * xStride;
                        if (accumulate) {
                            float[] t = Scratch.floats(Scratch.ROW_0, cols);
                            float[] sr = Scratch.floats(Scratch.ROW_1, cols);
                            x.get(ob, t, 0, cols);
                            v.get(tb, sr, 0, cols);
                            for (int c = 0; c < cols; c++) {
                                t[c] += sr[c];
                            }
                            x.put(ob, t, 0, cols);
                        } else {
                            x.put(ob, v, tb, cols);
                        }
                    }
                }
                case SCATTER_ADD -> {
                    // x = src (rows × cols), v = table; this part owns columns [c0, c1)
                    // row by row through two arrays: bulk copies and a loop the JIT vectorizes
                    int c0 = lo(cols, part, parts);
                    int n = lo(cols, part + 1, parts) - c0;
                    if ((long) tableRows * n <= SLAB_FLOATS && rows >= 2L * tableRows) {
                        scatterIntoSlab(c0, n);
                        return;
                    }
                    float[] t = Scratch.floats(Scratch.ROW_0, n);
                    float[] sr = Scratch.floats(Scratch.ROW_1, n);
                    for (int r = 0; r < rows; r++) {
                        int tb = vOff + ids[idOff + r] * vStride + c0;
                        v.get(tb, t, 0, n);
                        x.get(xOff + r * xStride + c0, sr, 0, n);
                        for (int c = 0; c < n; c++) {
                            t[c] += sr[c];
                        }
                        v.put(tb, t, 0, n);
                    }
                }
                default -> throw new IllegalStateException("op " + op);
            }
        }

        /**
         * Scatter-add of many rows into a small table (a vocabulary's embedding gradient): the part's
         * columns of the whole table copied into one array, every source row added there in order (the
         * same sums in the same order as row by row), and copied back: one bulk copy per source row
         * instead of three.
         */
        private void scatterIntoSlab(int c0, int n) {
            float[] slab = Scratch.floats(Scratch.ROW_0, tableRows * n);
            float[] sr = Scratch.floats(Scratch.ROW_1, n);
            for (int t = 0; t < tableRows; t++) {
                v.get(vOff + t * vStride + c0, slab, t * n, n);
            }
            for (int r = 0; r < rows; r++) {
                int base = ids[idOff + r] * n;
                x.get(xOff + r * xStride + c0, sr, 0, n);
                for (int c = 0; c < n; c++) {
                    slab[base + c] += sr[c];
                }
            }
            for (int t = 0; t < tableRows; t++) {
                v.put(vOff + t * vStride + c0, slab, t * n, n);
            }
        }
    }

    /**
     * The largest table part (floats) that a scatter-add accumulates in one array (512 KiB, within a
     * current core's L2: the LSTM's 65 × 1024 per thread at H = 512 fits).
     */
    private static final int SLAB_FLOATS = 1 << 17;

    /**
     * A scatter-add from a smaller source runs on one thread: split by columns, each thread reads half
     * of every source row, which below about this size costs more than it saves (measured on two
     * cores from 2,500 × 128 to 6,400 × 1,536; docs/PERFORMANCE.md, "Scatter-add").
     */
    static final long SCATTER_SPLIT_FLOATS = 1L << 21;
}

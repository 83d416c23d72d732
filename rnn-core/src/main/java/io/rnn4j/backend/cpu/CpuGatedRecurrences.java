package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;
import static io.rnn4j.backend.cpu.CpuBackend.rowBase;

import io.rnn4j.backend.Tensor;
import java.nio.FloatBuffer;

/**
 * The whole LSTM and GRU sweeps of the CPU backend ({@code Backend.lstmRecurrentForward} and the
 * others), as the Elman recurrences run: split by batch rows (each thread an independent chain of
 * steps, no barrier), or, at small batch and large H, by units (each thread owns units
 * {@code [j0, j1)} of all G gate blocks, keeps those rows of U, packed, for all T steps, computes the
 * cell for its units, and the threads meet once per step). Each step's recurrent product runs on the
 * packed Vector API GEMM, U packed once per sweep, or on OpenBLAS, whichever {@link KernelChoice}
 * measured faster for the shape; the cell's arithmetic follows the product on the same rows and units
 * while they are in the core's cache. The result is the per-step definition's (the SPI's Javadoc)
 * to float rounding; with the same kernels chosen, bit for bit the same on every run.
 */
final class CpuGatedRecurrences {
    /** Which sweep a {@link SweepTask} runs. */
    private enum Sweep { LSTM_FORWARD, LSTM_BACKWARD, GRU_FORWARD, GRU_BACKWARD }

    /**
     * Whether the sweeps run whole: with the packed GEMM (the Vector API module), unless
     * {@code -Drnn4j.cpu.wholeSweeps=false}; without it the cells' steps (one GEMM split over the threads
     * and one gate kernel per step) are as fast, measured, and run instead (each method returns false).
     */
    static final String WHOLE_SWEEPS_PROPERTY = "rnn4j.cpu.wholeSweeps";
    /** System property that forces the split of the gated sweeps: {@code units} or {@code rows}. */
    static final String SPLIT_PROPERTY = "rnn4j.cpu.gatedSplit";

    private final CpuBackend be;
    private final SweepTask task = new SweepTask();
    private final StepBarrier barrier = new StepBarrier();
    private double[][] stepPartials = new double[0][0];
    /** {@code auto}, {@code units} or {@code rows} (read when the backend is made). */
    private final String split = System.getProperty(SPLIT_PROPERTY, "auto");
    /** {@link #WHOLE_SWEEPS_PROPERTY} (read when the backend is made). */
    private final boolean enabled = VectorSupport.GEMM != null
            ? !"false".equalsIgnoreCase(System.getProperty(WHOLE_SWEEPS_PROPERTY))
            : "true".equalsIgnoreCase(System.getProperty(WHOLE_SWEEPS_PROPERTY));

    CpuGatedRecurrences(CpuBackend be) {
        this.be = be;
    }

    /**
     * Whether whole sweeps are on and the tensors have a whole sweep's shapes, G gate blocks (else the
     * cells' steps run, and report any mismatch).
     */
    private boolean fits(Tensor u, int gates, Tensor gateRows, Tensor states, int batch, Tensor stepSquares) {
        int h = u.cols();
        return enabled && u.buffer().backend() == be && u.rows() == gates * h && gateRows.cols() == gates * h
                && states.cols() == h && batch >= 1 && gateRows.rows() % batch == 0 && gateRows.rows() > 0
                && states.rows() == gateRows.rows() + batch
                && (stepSquares == null || (stepSquares.rows() == gateRows.rows() / batch && stepSquares.cols() == 2));
    }

    private static boolean same(Tensor t, int rows, int cols) {
        return t.rows() == rows && t.cols() == cols;
    }

    boolean lstmForward(Tensor u, Tensor gates, Tensor hidden, Tensor cells, Tensor tanhC, int batch) {
        int h = u.cols();
        if (!fits(u, 4, gates, hidden, batch, null) || !same(cells, hidden.rows(), h)
                || !same(tanhC, gates.rows(), h)) {
            return false;
        }
        task.set(Sweep.LSTM_FORWARD, 4, u, batch, gates.rows() / batch, null);
        task.bind(0, gates).bind(1, hidden).bind(2, cells).bind(3, tanhC);
        run(batch, h);
        return true;
    }

    boolean lstmBackward(Tensor u, Tensor gates, Tensor cells, Tensor tanhC, Tensor grad, Tensor dc, Tensor dGates,
                         int batch, Tensor stepSquares) {
        int h = u.cols();
        if (!fits(u, 4, gates, cells, batch, stepSquares) || !same(tanhC, gates.rows(), h)
                || !same(grad, gates.rows(), h) || !same(dc, batch, h) || !same(dGates, gates.rows(), 4 * h)) {
            return false;
        }
        task.set(Sweep.LSTM_BACKWARD, 4, u, batch, gates.rows() / batch, stepSquares);
        task.bind(0, gates).bind(1, cells).bind(2, tanhC).bind(3, grad).bind(4, dc).bind(5, dGates);
        run(batch, h);
        return true;
    }

    boolean gruForward(Tensor u, Tensor bias, Tensor xGates, Tensor hGates, Tensor hidden, Tensor acts, int batch) {
        int h = u.cols();
        if (!fits(u, 3, xGates, hidden, batch, null) || !same(hGates, xGates.rows(), 3 * h)
                || !same(acts, xGates.rows(), 3 * h) || (bias != null && !same(bias, 1, 3 * h))) {
            return false;
        }
        task.set(Sweep.GRU_FORWARD, 3, u, batch, xGates.rows() / batch, null);
        task.bind(0, xGates).bind(1, hGates).bind(2, hidden).bind(3, acts).bind(4, bias);
        run(batch, h);
        return true;
    }

    boolean gruBackward(Tensor u, Tensor acts, Tensor hGates, Tensor hidden, Tensor grad, Tensor dxGates,
                        Tensor dhGates, Tensor dhDirect, int batch, Tensor stepSquares) {
        int h = u.cols();
        if (!fits(u, 3, acts, hidden, batch, stepSquares) || !same(hGates, acts.rows(), 3 * h)
                || !same(grad, acts.rows(), h) || !same(dxGates, acts.rows(), 3 * h)
                || !same(dhGates, acts.rows(), 3 * h) || !same(dhDirect, batch, h)) {
            return false;
        }
        task.set(Sweep.GRU_BACKWARD, 3, u, batch, acts.rows() / batch, stepSquares);
        task.bind(0, acts).bind(1, hGates).bind(2, hidden).bind(3, grad).bind(4, dxGates).bind(5, dhGates)
                .bind(6, dhDirect);
        run(batch, h);
        return true;
    }

    /** Plans the split, runs the parts, and adds up the per-step squares. */
    private void run(int batch, int h) {
        SweepTask t = task;
        int unit = VectorSupport.GEMM == null ? 8 : VectorSupport.GEMM.panelWidth();
        // Units at small batch (a row split would stream all of U through every core at every step); rows
        // otherwise (independent chains, no barrier). -Drnn4j.cpu.gatedSplit=units|rows forces one.
        boolean columns = be.threads > 1 && h >= 4 * unit && (split.equals("units") || (!split.equals("rows")
                && batch <= 8 * be.threads));
        int parts;
        if (columns) {
            parts = Math.max(1, Math.min(be.workers.size(), h / unit));
            barrier.reset(parts);
        } else {
            double flops = 2.0 * batch * t.gates * h * h;
            parts = be.threads == 1 || batch < 4 || flops < 64 * 64 * 64 ? 1 : Math.min(be.threads, batch / 2);
        }
        t.byUnits = columns && parts > 1;
        t.unit = unit;
        if (t.packed.length < be.workers.size()) {
            t.packed = new float[be.workers.size()][][];
        }
        if (t.squares != null) {
            if (stepPartials.length < parts || stepPartials[0].length < 2 * t.steps) {
                stepPartials = new double[Math.max(parts, be.threads)][2 * t.steps];
            }
            for (int p = 0; p < parts; p++) {
                java.util.Arrays.fill(stepPartials[p], 0, 2 * t.steps, 0.0);
            }
        }
        be.workers.run(t, parts);
        if (t.squares != null) {
            FloatBuffer d = be.data(t.squares);
            for (int s = 0; s < t.steps; s++) {
                double a = 0;
                double b = 0;
                for (int p = 0; p < parts; p++) {
                    a += stepPartials[p][2 * s];
                    b += stepPartials[p][2 * s + 1];
                }
                d.put(rowBase(t.squares, s), (float) a);
                d.put(rowBase(t.squares, s) + 1, (float) b);
            }
        }
    }

    /** One sweep for rows [b0, b0 + rows) and units [j0, j0 + n) of every step. */
    private final class SweepTask implements CpuWorkers.Task {
        Sweep sweep;
        int gates;
        CpuBuffer u;
        long uOff;
        int ldu;
        int h;
        int batch;
        int steps;
        Tensor squares;
        boolean byUnits;
        int unit;
        final CpuBuffer[] buf = new CpuBuffer[7];
        final int[] o = new int[7];
        final int[] s = new int[7];
        /** Per part, per gate block: its packed block of U (reused across calls). */
        float[][][] packed = new float[0][][];

        void set(Sweep sweep, int gates, Tensor u, int batch, int steps, Tensor squares) {
            this.sweep = sweep;
            this.gates = gates;
            this.u = be.buf(u);
            this.uOff = u.offset();
            this.ldu = CpuBackend.ld(u);
            this.h = u.cols();
            this.batch = batch;
            this.steps = steps;
            this.squares = squares;
            java.util.Arrays.fill(buf, null);
        }

        SweepTask bind(int i, Tensor t) {
            buf[i] = t == null ? null : be.buf(t);
            o[i] = t == null ? 0 : off(t);
            s[i] = t == null ? 0 : t.rowStride();
            return this;
        }

        FloatBuffer d(int i) {
            return buf[i] == null ? null : buf[i].data();
        }

        /** Offset of row {@code r} of tensor {@code i}, column {@code c}. */
        int at(int i, int r, int c) {
            return o[i] + r * s[i] + c;
        }

        @Override
        public void run(int part, int parts) {
            int b0 = 0;
            int rows = batch;
            int j0 = 0;
            int n = h;
            if (byUnits) {
                int blocks = (h + unit - 1) / unit;
                j0 = Math.min(h, lo(blocks, part, parts) * unit);
                n = Math.min(h, lo(blocks, part + 1, parts) * unit) - j0;
            } else {
                b0 = lo(batch, part, parts);
                rows = lo(batch, part + 1, parts) - b0;
            }
            try {
                if (rows > 0) {
                    switch (sweep) {
                        case LSTM_FORWARD, GRU_FORWARD -> forward(part, b0, rows, j0, n);
                        default -> backward(part, b0, rows, j0, n);
                    }
                }
            } catch (RuntimeException | Error e) {
                barrier.breakAll();
                throw e;
            }
        }

        /**
         * The packed form of the part's blocks of U for this sweep, or null where OpenBLAS is faster for
         * the step's product: forward, per gate block g, U's rows [g·H + j0, g·H + j0 + n) read as Uᵀ
         * (one block of all G·H rows in the row split); backward, U's columns [j0, j0 + n) over all G·H rows.
         */
        private float[][] pack(int part, int rows, int j0, int n, boolean backward) {
            PackedGemm pg = VectorSupport.GEMM;
            int k = backward ? gates * h : h;
            int cols = backward || byUnits ? n : gates * h;
            if (pg == null || n == 0 || !KernelChoice.packedRecurrent(rows, k, cols, be.blas, pg)) {
                return null;
            }
            float[][] mine = packed[part];
            int blocks = backward || !byUnits ? 1 : gates;
            if (mine == null || mine.length != blocks) {
                mine = new float[blocks][];
                packed[part] = mine;
            }
            FloatBuffer ud = u.data();
            if (backward) {
                mine[0] = pg.pack(ud, uOff + j0, ldu, false, gates * h, n, mine[0]);
            } else if (!byUnits) {
                mine[0] = pg.pack(ud, uOff, ldu, true, h, gates * h, mine[0]);
            } else {
                for (int g = 0; g < gates; g++) {
                    mine[g] = pg.pack(ud, uOff + (long) (g * h + j0) * ldu, ldu, true, h, n, mine[g]);
                }
            }
            return mine;
        }

        /** {@code out[rows × n] += a[rows × k] · B}, B the packed block or (OpenBLAS) U at {@code bOff}. */
        private void product(float[] p, CpuBuffer a, int aOff, int lda, int rows, int k, boolean transB, long bOff,
                             int n, CpuBuffer out, int outOff, int ldo) {
            if (p != null) {
                VectorSupport.GEMM.multiplyAdd(a.data(), aOff, lda, rows, k, p, n, out.data(), outOff, ldo);
            } else {
                be.blas.sgemm(false, transB, rows, n, k, 1f, a, aOff, lda, u, bOff, ldu, 1f, out, outOff, ldo);
            }
        }

        private void forward(int part, int b0, int rows, int j0, int n) {
            boolean lstm = sweep == Sweep.LSTM_FORWARD;
            // LSTM: 0 gates, 1 hidden, 2 cells, 3 tanhC. GRU: 0 xGates, 1 hGates, 2 hidden, 3 acts, 4 bias.
            int gi = lstm ? 0 : 1;
            int hi = lstm ? 1 : 2;
            float[][] p = pack(part, rows, j0, n, false);
            for (int t = 0; t < steps; t++) {
                int r = t * batch + b0;
                if (n > 0) {
                    stepProduct(p, !lstm, hi, gi, r, rows, j0, n);
                    if (lstm) {
                        Kernels.lstmForward(d(0), o[0] + t * batch * s[0], s[0], d(2), o[2] + t * batch * s[2], s[2],
                                d(2), o[2] + (t + 1) * batch * s[2], s[2], d(1), o[1] + (t + 1) * batch * s[1], s[1],
                                d(3), o[3] + t * batch * s[3], s[3], b0, b0 + rows, j0, j0 + n, h);
                    } else {
                        Kernels.gruForward(d(0), o[0] + t * batch * s[0], s[0], d(1), o[1] + t * batch * s[1], s[1],
                                d(2), o[2] + t * batch * s[2], s[2], d(2), o[2] + (t + 1) * batch * s[2], s[2],
                                d(3), o[3] + t * batch * s[3], s[3], b0, b0 + rows, j0, j0 + n, h);
                    }
                }
                if (byUnits) {
                    barrier.await();
                }
            }
        }

        /**
         * The forward step's gate product for rows [r, r + rows): the LSTM's {@code out[r..] += h · Uᵀ} (out
         * holds W x_t + b already); the GRU's {@code out[r..] = b_h + h · Uᵀ}, on the packed GEMM written
         * without reading out's old contents, on OpenBLAS after filling out with b_h. Per gate block in the
         * unit split (each block's units [j0, j0 + n)), one product over all G·H columns otherwise.
         */
        private void stepProduct(float[][] p, boolean gru, int hi, int oi, int r, int rows, int j0, int n) {
            boolean fromBias = gru && p != null;
            if (gru && p == null) {
                fillBias(r, rows, j0, n);
            }
            int blocks = byUnits ? gates : 1;
            int width = byUnits ? n : gates * h;
            for (int g = 0; g < blocks; g++) {
                int col = byUnits ? g * h + j0 : 0;
                float[] pg = p == null ? null : p[g];
                if (fromBias) {
                    VectorSupport.GEMM.multiplyFrom(d(4), o[4] + col, d(hi), at(hi, r, 0), s[hi], rows, h, pg, width,
                            d(oi), at(oi, r, col), s[oi]);
                } else {
                    product(pg, buf[hi], at(hi, r, 0), s[hi], rows, h, true, uOff + (long) col * ldu, width, buf[oi],
                            at(oi, r, col), s[oi]);
                }
            }
        }

        /** {@code hGates[r..r + rows)} = b_h (or 0) on the part's units, before a product that adds to it. */
        private void fillBias(int r, int rows, int j0, int n) {
            FloatBuffer hg = d(1);
            FloatBuffer bias = d(4);
            for (int i = 0; i < rows; i++) {
                for (int g = 0; g < gates; g++) {
                    int to = at(1, r + i, g * h + j0);
                    for (int j = 0; j < n; j++) {
                        hg.put(to + j, bias == null ? 0f : bias.get(o[4] + g * h + j0 + j));
                    }
                }
            }
        }

        private void backward(int part, int b0, int rows, int j0, int n) {
            boolean lstm = sweep == Sweep.LSTM_BACKWARD;
            // LSTM: 0 gates, 1 cells, 2 tanhC, 3 grad, 4 dc, 5 dGates.
            // GRU: 0 acts, 1 hGates, 2 hidden, 3 grad, 4 dxGates, 5 dhGates, 6 dhDirect.
            int di = 5;  // the gate gradients the product reads (dGates; dhGates)
            float[][] p = pack(part, rows, j0, n, true);
            double[] sq = squares == null ? null : stepPartials[part];
            for (int t = steps - 1; t >= 0; t--) {
                int r = t * batch + b0;
                if (n > 0) {
                    if (lstm) {
                        Kernels.lstmBackward(d(0), o[0] + t * batch * s[0], s[0], d(1), o[1] + t * batch * s[1], s[1],
                                d(2), o[2] + t * batch * s[2], s[2], d(3), o[3] + t * batch * s[3], s[3], d(4), o[4],
                                s[4], d(5), o[5] + t * batch * s[5], s[5], b0, b0 + rows, j0, j0 + n, h);
                    } else {
                        Kernels.gruBackward(d(0), o[0] + t * batch * s[0], s[0], d(1), o[1] + t * batch * s[1], s[1],
                                d(2), o[2] + t * batch * s[2], s[2], d(3), o[3] + t * batch * s[3], s[3], d(4),
                                o[4] + t * batch * s[4], s[4], d(5), o[5] + t * batch * s[5], s[5], d(6), o[6], s[6],
                                b0, b0 + rows, j0, j0 + n, h);
                    }
                    if (sq != null) {
                        sq[2 * t] = sumSquares(3, r, rows, j0, n, 1);
                        sq[2 * t + 1] = sumSquares(lstm ? 5 : 4, r, rows, j0, n, gates);
                    }
                }
                if (byUnits) {
                    barrier.await();  // every unit's gate gradients of step t are written
                }
                if (t > 0 && n > 0) {
                    int prev = (t - 1) * batch + b0;
                    if (!lstm) {
                        // grad[t−1] += dhDirect (the part's own units), then the product below
                        FloatBuffer gd = d(3);
                        FloatBuffer dd = d(6);
                        for (int i = 0; i < rows; i++) {
                            int go = at(3, prev + i, j0);
                            int dof = at(6, b0 + i, j0);
                            for (int j = 0; j < n; j++) {
                                gd.put(go + j, gd.get(go + j) + dd.get(dof + j));
                            }
                        }
                    }
                    product(p == null ? null : p[0], buf[di], at(di, r, 0), s[di], rows, gates * h, false, uOff + j0,
                            n, buf[3], at(3, prev, j0), s[3]);
                }
            }
        }

        /** Σ x² over rows [r, r + rows) and units [j0, j0 + n) of {@code blocks} blocks of tensor {@code i}. */
        private double sumSquares(int i, int r, int rows, int j0, int n, int blocks) {
            FloatBuffer x = d(i);
            double total = 0;
            for (int row = r; row < r + rows; row++) {
                for (int g = 0; g < blocks; g++) {
                    total += Kernels.sumSquares(x, at(i, row, g * h + j0), n);
                }
            }
            return total;
        }
    }
}

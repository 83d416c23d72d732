package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;
import static io.rnn4j.backend.cpu.CpuBackend.rowBase;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/**
 * The Elman recurrences of the CPU backend over all T steps, split either by batch rows (each thread
 * runs its own chain of small GEMMs and activations with no synchronization inside the time loop)
 * or, at small batch and large H, by U's output columns (each thread keeps its share of U in its
 * own cache for all T steps and the threads meet once per step). With the Vector API module the
 * per-step products run on the packed GEMM, U packed once per call ({@link PackedGemm}).
 */
final class CpuRecurrences {
    /** System property that forces the split of the Elman recurrences: {@code rows} or {@code columns}. */
    static final String SPLIT_PROPERTY = "rnn4j.cpu.recurrentSplit";

    private final CpuBackend be;
    private final RecurrenceTask recurrenceTask = new RecurrenceTask();
    private final StepBarrier barrier = new StepBarrier();
    /** How the Elman recurrences are split over the threads: {@code auto}, {@code rows} or {@code columns}. */
    private final String split = System.getProperty(SPLIT_PROPERTY, "auto");
    /** Per part: Σ(∂E/∂h_t)² and Σδ_t² of every step t, for the diagnostics. */
    private double[][] stepPartials = new double[0][0];

    CpuRecurrences(CpuBackend be) {
        this.be = be;
    }

    void forward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope, int batch) {
        int steps = Shapes.recurrentForward(f, recurrent, pre, hidden, slope, batch);
        RecurrenceTask task = recurrenceTask;
        task.set(false, f, recurrent, pre, hidden, null, slope, batch, steps);
        be.workers.run(task, plan(task, f, batch, pre.cols()));
    }

    /**
     * Chooses the split of a recurrence call (sets {@code task.byColumns}) and returns its parts: by
     * U's output columns where that keeps each core's share of U in its cache (large H; a barrier per
     * step), otherwise by batch rows (independent chains, no barrier).
     */
    private int plan(RecurrenceTask task, Activation f, int batch, int h) {
        boolean columns = f != Activation.PRELU && be.threads > 1 && h >= 64 && switch (split) {
            case "rows" -> false;
            case "columns" -> true;
            // measured (docs/PERFORMANCE.md): at small batch and large H, where a row split streams
            // all of U through every core at every step (and, packed, pads tiny row blocks)
            default -> batch <= 8 * be.threads && h >= (VectorSupport.GEMM != null ? 512 : 256);
        };
        task.byColumns = columns;
        if (task.packed.length < be.workers.size()) {
            task.packed = new float[be.workers.size()][];
        }
        if (!columns) {
            return parts(batch, h);
        }
        int unit = columnUnit();
        int parts = Math.max(1, Math.min(be.workers.size(), (h + unit - 1) / unit));
        barrier.reset(parts);
        return parts;
    }

    void backward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad, Tensor slope,
                  Tensor slopeGrad, int batch, Tensor stepSquares) {
        int steps = Shapes.recurrentBackward(f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
        RecurrenceTask task = recurrenceTask;
        task.set(true, f, recurrent, pre, hidden, grad, slope, batch, steps);
        int parts = plan(task, f, batch, pre.cols());
        task.recordNorms = stepSquares != null;
        if (task.recordNorms) {
            if (stepPartials.length < parts || stepPartials[0].length < 2 * steps) {
                stepPartials = new double[Math.max(parts, be.threads)][2 * steps];
            }
            for (int p = 0; p < parts; p++) {
                java.util.Arrays.fill(stepPartials[p], 0, 2 * steps, 0.0);
            }
        }
        if (f == Activation.PRELU) {
            for (int p = 0; p < parts; p++) {
                be.partials.zeroedRow(p, pre.cols());
            }
        }
        be.workers.run(task, parts);
        if (f == Activation.PRELU) {
            be.partials.addRowsInto(be.data(slopeGrad), off(slopeGrad), slopeGrad.cols(), parts, true);
        }
        if (task.recordNorms) {
            FloatBuffer d = be.data(stepSquares);
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
    private int parts(int batch, int h) {
        if (be.threads == 1 || batch < 4) {
            return 1;
        }
        double flopsPerStep = 2.0 * batch * h * h;
        return flopsPerStep >= 64 * 64 * 64 ? Math.min(be.threads, batch / 2) : 1;
    }

    /** Column blocks of the column split are whole multiples of this (the packed GEMM's panel). */
    private static int columnUnit() {
        return VectorSupport.GEMM == null ? 32 : VectorSupport.GEMM.panelWidth();
    }

    private static double rowsSumSquares(FloatBuffer x, int off, int stride, int rows, int cols) {
        double s = 0;
        for (int r = 0; r < rows; r++) {
            s += Kernels.sumSquares(x, off + r * stride, cols);
        }
        return s;
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
        boolean byColumns;
        /** Per part: its packed block of U, reused across calls. */
        float[][] packed = new float[0][];

        void set(boolean backward, Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                 Tensor slope, int batch, int steps) {
            this.backward = backward;
            this.f = f;
            this.u = be.buf(recurrent);
            this.uOff = recurrent.offset();
            this.ldu = CpuBackend.ld(recurrent);
            this.pre = be.buf(pre);
            this.preOff = off(pre);
            this.preStride = pre.rowStride();
            this.hidden = be.buf(hidden);
            this.hOff = off(hidden);
            this.hStride = hidden.rowStride();
            this.grad = grad == null ? null : be.buf(grad);
            this.gOff = grad == null ? 0 : off(grad);
            this.gStride = grad == null ? 0 : grad.rowStride();
            this.slope = f == Activation.PRELU ? be.data(slope) : null;
            this.aOff = f == Activation.PRELU ? off(slope) : 0;
            this.batch = batch;
            this.steps = steps;
            this.h = pre.cols();
        }

        /**
         * Part {@code part}: batch rows [b0, b0 + rows) of every step in the row split, or U's output
         * columns [c0, c0 + n) for all rows in the column split (block boundaries on whole panels;
         * the parts meet after each step).
         */
        @Override
        public void run(int part, int parts) {
            int b0 = 0;
            int rows = batch;
            int c0 = 0;
            int n = h;
            if (byColumns) {
                int unit = columnUnit();
                int blocks = (h + unit - 1) / unit;
                c0 = Math.min(h, lo(blocks, part, parts) * unit);
                n = Math.min(h, lo(blocks, part + 1, parts) * unit) - c0;
            } else {
                b0 = lo(batch, part, parts);
                rows = lo(batch, part + 1, parts) - b0;
                if (rows == 0) {
                    return;
                }
            }
            try {
                if (backward) {
                    backward(part, b0, rows, c0, n);
                } else {
                    forward(part, b0, rows, c0, n);
                }
            } catch (RuntimeException | Error e) {
                barrier.breakAll(); // the column split's other parts stop waiting for this one
                throw e;
            }
        }

        /**
         * Packs U's output columns [c0, c0 + n) for this call's direction (forward multiplies by Uᵀ,
         * backward by U) into the part's own array, once for all T steps; null without the packed GEMM.
         */
        private float[] pack(int part, int rows, int c0, int n) {
            PackedGemm pg = VectorSupport.GEMM;
            if (pg == null || n == 0 || !KernelChoice.packedRecurrent(rows, h, n, be.blas, pg)) {
                return null;
            }
            long at = backward ? uOff + c0 : uOff + (long) c0 * ldu;
            float[] p = pg.pack(u.data(), at, ldu, !backward, h, n, packed[part]);
            packed[part] = p;
            return p;
        }

        private void forward(int part, int b0, int rows, int c0, int n) {
            FloatBuffer pd = pre.data();
            FloatBuffer hd = hidden.data();
            float[] p = pack(part, rows, c0, n);
            for (int t = 0; t < steps; t++) {
                if (n > 0) {
                    int sRow = preOff + (t * batch + b0) * preStride + c0;
                    int hPrev = hOff + (t * batch + b0) * hStride;
                    if (p != null) {
                        VectorSupport.GEMM.multiplyAdd(hd, hPrev, hStride, rows, h, p, n, pd, sRow, preStride);
                    } else {
                        be.blas.sgemm(false, true, rows, n, h, 1f, hidden, hPrev, hStride, u, uOff + (long) c0 * ldu,
                                ldu, 1f, pre, sRow, preStride);
                    }
                    Kernels.activationForward(f, pd, sRow, preStride, hd, hOff + ((t + 1) * batch + b0) * hStride + c0,
                            hStride, rows, n, slope, aOff + c0);
                }
                if (byColumns) {
                    barrier.await();
                }
            }
        }

        private void backward(int part, int b0, int rows, int c0, int n) {
            FloatBuffer pd = pre.data();
            FloatBuffer hd = hidden.data();
            FloatBuffer gd = grad.data();
            float[] p = pack(part, rows, c0, n);
            double[] partial = f == Activation.PRELU ? be.partials.row(part) : null; // row split only
            for (int t = steps - 1; t >= 0; t--) {
                if (n > 0) {
                    int gRow = gOff + (t * batch + b0) * gStride + c0;
                    if (t < steps - 1) {
                        int gNext = gOff + ((t + 1) * batch + b0) * gStride;
                        if (p != null) {
                            VectorSupport.GEMM.multiplyAdd(gd, gNext, gStride, rows, h, p, n, gd, gRow, gStride);
                        } else {
                            be.blas.sgemm(false, false, rows, n, h, 1f, grad, gNext, gStride, u, uOff + c0, ldu, 1f,
                                    grad, gRow, gStride);
                        }
                    }
                    if (recordNorms) {
                        stepPartials[part][2 * t] = rowsSumSquares(gd, gRow, gStride, rows, n);
                    }
                    Kernels.activationBackward(f, pd, preOff + (t * batch + b0) * preStride + c0, preStride, hd,
                            hOff + ((t + 1) * batch + b0) * hStride + c0, hStride, gd, gRow, gStride, rows, n, slope,
                            aOff + c0, partial);
                    if (recordNorms) {
                        stepPartials[part][2 * t + 1] = rowsSumSquares(gd, gRow, gStride, rows, n);
                    }
                }
                if (byColumns) {
                    barrier.await();
                }
            }
        }
    }
}

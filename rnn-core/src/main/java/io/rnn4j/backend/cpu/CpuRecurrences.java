package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;
import static io.rnn4j.backend.cpu.CpuBackend.rowBase;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/**
 * The sequential kernels of the CPU backend: the Elman recurrences over all T steps, split by batch
 * rows so that each thread runs its own chain of small GEMMs and activations with no
 * synchronization inside the time loop, and the fused LSTM and GRU steps, split by rows.
 */
final class CpuRecurrences {
    private final CpuBackend be;
    private final RecurrenceTask recurrenceTask = new RecurrenceTask();
    private final GateTask gateTask = new GateTask();
    /** Per part: Σ(∂E/∂h_t)² and Σδ_t² of every step t, for the diagnostics. */
    private double[][] stepPartials = new double[0][0];

    CpuRecurrences(CpuBackend be) {
        this.be = be;
    }

    void forward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope, int batch) {
        int steps = Shapes.recurrentForward(f, recurrent, pre, hidden, slope, batch);
        RecurrenceTask task = recurrenceTask;
        task.set(false, f, recurrent, pre, hidden, null, slope, batch, steps);
        be.workers.run(task, parts(batch, pre.cols()));
    }

    void backward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad, Tensor slope,
                  Tensor slopeGrad, int batch, Tensor stepSquares) {
        int steps = Shapes.recurrentBackward(f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
        RecurrenceTask task = recurrenceTask;
        task.set(true, f, recurrent, pre, hidden, grad, slope, batch, steps);
        int parts = parts(batch, pre.cols());
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
                be.partial(p, pre.cols());
            }
        }
        be.workers.run(task, parts);
        if (f == Activation.PRELU) {
            be.addPartials(slopeGrad, parts, true);
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

        @Override
        public void run(int part, int parts) {
            int b0 = lo(batch, part, parts);
            int rows = lo(batch, part + 1, parts) - b0;
            if (rows == 0) {
                return;
            }
            FloatBuffer pd = pre.data();
            FloatBuffer hd = hidden.data();
            Gemm gemm = be.gemm;
            if (!backward) {
                for (int t = 0; t < steps; t++) {
                    int sRow = preOff + (t * batch + b0) * preStride;
                    int hPrev = hOff + (t * batch + b0) * hStride;
                    int hNext = hOff + ((t + 1) * batch + b0) * hStride;
                    gemm.sgemm(false, true, rows, h, h, 1f, hidden, hPrev, hStride, u, uOff, ldu, 1f, pre, sRow,
                            preStride);
                    Kernels.activationForward(f, pd, sRow, preStride, hd, hNext, hStride, rows, h, slope, aOff);
                }
                return;
            }
            FloatBuffer gd = grad.data();
            double[] partial = f == Activation.PRELU ? be.partialRow(part) : null;
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

    // ------------------------------------------------------------------ gated cells

    void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        Shapes.lstmForward(gates, cPrev, c, h, tanhC);
        gateTask.set(GateTask.LSTM_FORWARD, h.rows(), h.cols(), gates, cPrev, c, h, tanhC, null, null);
        be.workers.run(gateTask, gateParts(h.rows(), h.cols()));
    }

    void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        Shapes.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
        gateTask.set(GateTask.LSTM_BACKWARD, dh.rows(), dh.cols(), gates, cPrev, tanhC, dh, dc, dGates, null);
        be.workers.run(gateTask, gateParts(dh.rows(), dh.cols()));
    }

    void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        Shapes.gruForward(xGates, hGates, hPrev, h, gates);
        gateTask.set(GateTask.GRU_FORWARD, h.rows(), h.cols(), xGates, hGates, hPrev, h, gates, null, null);
        be.workers.run(gateTask, gateParts(h.rows(), h.cols()));
    }

    void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                     Tensor dhPrev) {
        Shapes.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        gateTask.set(GateTask.GRU_BACKWARD, dh.rows(), dh.cols(), gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        be.workers.run(gateTask, gateParts(dh.rows(), dh.cols()));
    }

    private int gateParts(int rows, int h) {
        return (long) rows * h * 4 >= CpuBackend.PARALLEL_ELEMENTS / 4 ? Math.min(be.threads, rows) : 1;
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
            b[i] = t == null ? null : be.data(t);
            o[i] = t == null ? 0 : off(t);
            s[i] = t == null ? 0 : t.rowStride();
        }

        @Override
        public void run(int part, int parts) {
            int r0 = lo(rows, part, parts);
            int r1 = lo(rows, part + 1, parts);
            switch (op) {
                case LSTM_FORWARD -> Kernels.lstmForward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], r0, r1, h);
                case LSTM_BACKWARD -> Kernels.lstmBackward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], b[5], o[5], s[5], r0, r1, h);
                case GRU_FORWARD -> Kernels.gruForward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], r0, r1, h);
                case GRU_BACKWARD -> Kernels.gruBackward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], b[5], o[5], s[5], b[6], o[6], s[6], r0, r1, h);
                default -> throw new IllegalStateException("op " + op);
            }
        }
    }
}

package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/**
 * The CPU backend's stand-alone activations, {@code h = f(s)} and {@code g ← f'(s) ⊙ g}, split by rows
 * over the backend's threads once a call has {@link CpuBackend#PARALLEL_ELEMENTS} elements (the fused
 * recurrences do the same work inside their sweeps; these calls serve Pascanu's Ω, the step-by-step
 * recurrences and the kernel benchmarks). Both are streaming passes, bound by memory bandwidth at large
 * sizes, which two cores have more of than one. Every element gets the same operations whatever the
 * split, so the results do not depend on the thread count, except PReLU's slope gradient: each part sums
 * its rows into its own row of doubles, and the rows are added in part order.
 */
final class CpuActivations {
    private final CpuBackend be;
    private final Task task = new Task();

    CpuActivations(CpuBackend be) {
        this.be = be;
    }

    void forward(Activation f, Tensor s, Tensor h, Tensor slope) {
        Shapes.activationForward(f, s, h, slope);
        run(false, f, s, h, null, slope);
    }

    void backward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        Shapes.activationBackward(f, s, h, g, slope, slopeGrad);
        int parts = run(true, f, s, h, g, slope);
        if (f == Activation.PRELU) {
            be.partials.addRowsInto(be.data(slopeGrad), off(slopeGrad), slopeGrad.cols(), parts, true);
        }
    }

    private int run(boolean backward, Activation f, Tensor s, Tensor h, Tensor g, Tensor slope) {
        Tensor rowsOf = backward ? g : s;
        int parts = be.rowParts(rowsOf);
        if (backward && f == Activation.PRELU) {
            for (int p = 0; p < parts; p++) {
                be.partials.zeroedRow(p, rowsOf.cols());
            }
        }
        Task t = task;
        t.backward = backward;
        t.f = f;
        t.s = be.data(s);
        t.sOff = off(s);
        t.sStride = s.rowStride();
        t.h = be.data(h);
        t.hOff = off(h);
        t.hStride = h.rowStride();
        t.g = g == null ? null : be.data(g);
        t.gOff = g == null ? 0 : off(g);
        t.gStride = g == null ? 0 : g.rowStride();
        t.slope = f == Activation.PRELU ? be.data(slope) : null;
        t.aOff = f == Activation.PRELU ? off(slope) : 0;
        t.rows = rowsOf.rows();
        t.cols = rowsOf.cols();
        be.workers.run(t, parts);
        return parts;
    }

    /** Rows [lo(rows, part), lo(rows, part + 1)) of one call. */
    private final class Task implements CpuWorkers.Task {
        boolean backward;
        Activation f;
        FloatBuffer s;
        int sOff;
        int sStride;
        FloatBuffer h;
        int hOff;
        int hStride;
        FloatBuffer g;
        int gOff;
        int gStride;
        FloatBuffer slope;
        int aOff;
        int rows;
        int cols;

        @Override
        public void run(int part, int parts) {
            int r0 = lo(rows, part, parts);
            int n = lo(rows, part + 1, parts) - r0;
            if (n == 0) {
                return;
            }
            if (!backward) {
                Kernels.activationForward(f, s, sOff + r0 * sStride, sStride, h, hOff + r0 * hStride, hStride, n,
                        cols, slope, aOff);
                return;
            }
            double[] partial = f == Activation.PRELU ? be.partials.row(part) : null;
            Kernels.activationBackward(f, s, sOff + r0 * sStride, sStride, h, hOff + r0 * hStride, hStride, g,
                    gOff + r0 * gStride, gStride, n, cols, slope, aOff, partial);
        }
    }
}

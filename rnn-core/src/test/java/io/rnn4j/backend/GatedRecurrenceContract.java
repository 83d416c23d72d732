package io.rnn4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The contract of the whole LSTM and GRU recurrences ({@link Backend#lstmRecurrentForward} and the
 * others) for {@link BackendContractTest}: a backend that runs a sweep whole must match the same
 * sweep run step by step on its own kernels; a backend that answers false must have changed
 * nothing.
 */
final class GatedRecurrenceContract {
    private final BackendContractTest t;
    private final Backend be;

    GatedRecurrenceContract(BackendContractTest t) {
        this.t = t;
        this.be = t.be;
    }

    private static Tensor at(Tensor x, int step, int b) {
        return x.rows(step * b, b);
    }

    private Tensor copy(Tensor x) {
        Tensor y = be.allocate(x.rows(), x.cols());
        be.copy(x, y);
        return y;
    }

    /** The values of each tensor (for a comparison after the call). */
    private float[][] values(Tensor... ts) {
        float[][] v = new float[ts.length][];
        for (int i = 0; i < ts.length; i++) {
            v[i] = t.down(ts[i]);
        }
        return v;
    }

    private void same(Tensor[] whole, Tensor[] steps, String what) {
        for (int i = 0; i < whole.length; i++) {
            float[] want = t.down(steps[i]);
            double[] w = new double[want.length];
            for (int k = 0; k < w.length; k++) {
                w[k] = want[k];
            }
            BackendContractTest.assertClose(w, t.down(whole[i]), 1e-4, what + " operand " + i);
        }
    }

    private void unchanged(float[][] before, Tensor[] after, String what) {
        for (int i = 0; i < after.length; i++) {
            assertArrayEquals(before[i], t.down(after[i]), what + ": a sweep that did not run changed operand " + i);
        }
    }

    void lstm(int h, int b, int steps) {
        Tensor u = t.upload(4 * h, h, t.random(4 * h * h, 0.3));
        Tensor gates = t.upload(steps * b, 4 * h, t.random(steps * b * 4 * h, 1));
        Tensor hidden = t.upload((steps + 1) * b, h, t.random((steps + 1) * b * h, 1));
        Tensor cells = t.upload((steps + 1) * b, h, t.random((steps + 1) * b * h, 1));
        Tensor tanhC = t.upload(steps * b, h, t.random(steps * b * h, 1));
        Tensor[] whole = {gates, hidden, cells, tanhC};
        Tensor[] stepwise = {copy(gates), copy(hidden), copy(cells), copy(tanhC)};
        float[][] before = values(whole);
        if (!be.lstmRecurrentForward(u, gates, hidden, cells, tanhC, b)) {
            unchanged(before, whole, "lstmRecurrentForward");
        } else {
            for (int s = 0; s < steps; s++) {
                Tensor g = at(stepwise[0], s, b);
                be.gemm(g, at(stepwise[1], s, b), false, u, true, 1f, 1f);
                be.lstmForward(g, at(stepwise[2], s, b), at(stepwise[2], s + 1, b), at(stepwise[1], s + 1, b),
                        at(stepwise[3], s, b));
            }
            same(whole, stepwise, "lstmRecurrentForward");
        }
        // Backward from the forward's outputs.
        Tensor grad = t.upload(steps * b, h, t.random(steps * b * h, 1));
        Tensor dc = t.upload(b, h, new float[b * h]);
        Tensor dGates = t.poisoned(steps * b, 4 * h);
        Tensor sq = t.poisoned(steps, 2);
        Tensor[] outs = {grad, dc, dGates, sq};
        Tensor[] stepOuts = {copy(grad), copy(dc), copy(dGates), copy(sq)};
        before = values(outs);
        if (!be.lstmRecurrentBackward(u, gates, cells, tanhC, grad, dc, dGates, b, sq)) {
            unchanged(before, outs, "lstmRecurrentBackward");
        } else {
            for (int s = steps - 1; s >= 0; s--) {
                Tensor dg = at(stepOuts[2], s, b);
                be.sumSquares(at(stepOuts[0], s, b), stepOuts[3].rows(s, 1).cols(0, 1), false);
                be.lstmBackward(at(gates, s, b), at(cells, s, b), at(tanhC, s, b), at(stepOuts[0], s, b), stepOuts[1],
                        dg);
                be.sumSquares(dg, stepOuts[3].rows(s, 1).cols(1, 1), false);
                if (s > 0) {
                    be.gemm(at(stepOuts[0], s - 1, b), dg, false, u, false, 1f, 1f);
                }
            }
            same(outs, stepOuts, "lstmRecurrentBackward");
        }
        BackendContractTest.close(u, gates, hidden, cells, tanhC, grad, dc, dGates, sq);
        BackendContractTest.close(stepwise);
        BackendContractTest.close(stepOuts);
    }

    void gru(int h, int b, int steps, boolean withBias) {
        Tensor u = t.upload(3 * h, h, t.random(3 * h * h, 0.3));
        Tensor bias = withBias ? t.upload(1, 3 * h, t.random(3 * h, 0.5)) : null;
        Tensor xGates = t.upload(steps * b, 3 * h, t.random(steps * b * 3 * h, 1));
        Tensor hGates = t.poisoned(steps * b, 3 * h);
        Tensor hidden = t.upload((steps + 1) * b, h, t.random((steps + 1) * b * h, 1));
        Tensor acts = t.poisoned(steps * b, 3 * h);
        Tensor[] whole = {hGates, hidden, acts};
        Tensor[] stepwise = {copy(hGates), copy(hidden), copy(acts)};
        float[][] before = values(whole);
        boolean ran = be.gruRecurrentForward(u, bias, xGates, hGates, hidden, acts, b);
        if (!ran) {
            unchanged(before, whole, "gruRecurrentForward");
        }
        // Step by step: the reference when the sweep ran, else the forward state the backward check needs.
        Tensor[] ref = ran ? stepwise : whole;
        for (int s = 0; s < steps; s++) {
            Tensor hg = at(ref[0], s, b);
            be.gemm(hg, at(ref[1], s, b), false, u, true, 1f, 0f);
            if (bias != null) {
                be.addRowVector(hg, bias);
            }
            be.gruForward(at(xGates, s, b), hg, at(ref[1], s, b), at(ref[1], s + 1, b), at(ref[2], s, b));
        }
        if (ran) {
            same(whole, stepwise, "gruRecurrentForward");
        }
        Tensor grad = t.upload(steps * b, h, t.random(steps * b * h, 1));
        Tensor dx = t.poisoned(steps * b, 3 * h);
        Tensor dhg = t.poisoned(steps * b, 3 * h);
        Tensor direct = t.poisoned(b, h);
        Tensor sq = t.poisoned(steps, 2);
        Tensor[] outs = {grad, dx, dhg, direct, sq};
        Tensor[] stepOuts = {copy(grad), copy(dx), copy(dhg), copy(direct), copy(sq)};
        before = values(outs);
        if (!be.gruRecurrentBackward(u, acts, hGates, hidden, grad, dx, dhg, direct, b, sq)) {
            unchanged(before, outs, "gruRecurrentBackward");
        } else {
            for (int s = steps - 1; s >= 0; s--) {
                Tensor dxs = at(stepOuts[1], s, b);
                Tensor dhs = at(stepOuts[2], s, b);
                be.sumSquares(at(stepOuts[0], s, b), stepOuts[4].rows(s, 1).cols(0, 1), false);
                be.gruBackward(at(acts, s, b), at(hGates, s, b), at(hidden, s, b), at(stepOuts[0], s, b), dxs, dhs,
                        stepOuts[3]);
                be.sumSquares(dxs, stepOuts[4].rows(s, 1).cols(1, 1), false);
                if (s > 0) {
                    be.axpy(1f, stepOuts[3], at(stepOuts[0], s - 1, b));
                    be.gemm(at(stepOuts[0], s - 1, b), dhs, false, u, false, 1f, 1f);
                }
            }
            same(outs, stepOuts, "gruRecurrentBackward");
        }
        BackendContractTest.close(u, bias, xGates, hGates, hidden, acts, grad, dx, dhg, direct, sq);
        BackendContractTest.close(stepwise);
        BackendContractTest.close(stepOuts);
    }
}

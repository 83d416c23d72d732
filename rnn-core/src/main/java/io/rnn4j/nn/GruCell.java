package io.rnn4j.nn;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;

/**
 * The gated recurrent unit, gates r, z, n (PyTorch's formulation, with the recurrent bias b_h kept
 * inside {@code r ⊙ (U_n h + b_hn)}): per step one recurrent GEMM for all three gates, the bias, and
 * one fused kernel ({@link Backend#gruForward}), mirrored backward.
 */
final class GruCell extends Cell {

    @Override
    public int gates() {
        return 3;
    }

    @Override
    public boolean hasRecurrentBias() {
        return true;
    }

    /** Per-step views, U h + b_h, the activated gates, their gradients and the direct ∂E/∂h_{t−1}. */
    private static final class Scratch implements AutoCloseable {
        final Tensor dPre;
        final Tensor hGates;
        final Tensor acts;
        final Tensor dhGates;
        final Tensor dhDirect;
        final Tensor[] preAt;
        final Tensor[] hiddenAt;
        final Tensor[] hiddenPrevAt;
        final Tensor[] gradAt;
        final Tensor[] dPreAt;
        final Tensor[] hGatesAt;
        final Tensor[] actsAt;
        final Tensor[] dhGatesAt;

        Scratch(Backend be, LayerBuffers buf) {
            int rows = buf.batch * buf.steps;
            int gh = buf.pre.cols();
            dPre = be.allocate(rows, gh);
            hGates = be.allocate(rows, gh);
            acts = be.allocate(rows, gh);
            dhGates = be.allocate(rows, gh);
            dhDirect = be.allocate(buf.batch, buf.hidden.cols());
            int n = buf.steps;
            preAt = new Tensor[n];
            hiddenAt = new Tensor[n];
            hiddenPrevAt = new Tensor[n];
            gradAt = new Tensor[n];
            dPreAt = new Tensor[n];
            hGatesAt = new Tensor[n];
            actsAt = new Tensor[n];
            dhGatesAt = new Tensor[n];
            for (int t = 0; t < n; t++) {
                preAt[t] = buf.at(buf.pre, t);
                hiddenAt[t] = buf.at(buf.hidden, t + 1);
                hiddenPrevAt[t] = buf.at(buf.hidden, t);
                gradAt[t] = buf.at(buf.grad, t);
                dPreAt[t] = buf.at(dPre, t);
                hGatesAt[t] = buf.at(hGates, t);
                actsAt[t] = buf.at(acts, t);
                dhGatesAt[t] = buf.at(dhGates, t);
            }
        }

        @Override
        public void close() {
            closeAll(dPre, hGates, acts, dhGates, dhDirect);
        }
    }

    @Override
    public AutoCloseable newScratch(Backend backend, LayerBuffers buffers) {
        return new Scratch(backend, buffers);
    }

    // forward: for t: A_t = h_{t−1} Uᵀ + b_h;  (r, z, n) from S_t and A_t;  h_t = (1 − z) n + z h_{t−1}
    @Override
    public void forward(Backend be, Activation f, LayerParams p, LayerBuffers buf) {
        Scratch s = buf.scratch();
        if (be.gruRecurrentForward(p.recurrent(), p.recurrentBias(), buf.pre, s.hGates, buf.hidden, s.acts, buf.batch)) {
            return;
        }
        for (int t = 0; t < buf.steps; t++) {
            be.gemm(s.hGatesAt[t], s.hiddenPrevAt[t], false, p.recurrent(), true, 1f, 0f);
            if (p.recurrentBias() != null) {
                be.addRowVector(s.hGatesAt[t], p.recurrentBias());
            }
            be.gruForward(s.preAt[t], s.hGatesAt[t], s.hiddenPrevAt[t], s.hiddenAt[t], s.actsAt[t]);
        }
    }

    // backward: for t = T..1: (dS_t, dA_t, z dh_t) = gru'(dh_t);  dh_{t−1} += z dh_t + dA_t U;
    //           then dU += dAᵀ H_prev, db_h += Σ dA
    @Override
    public Tensor backward(Backend be, Activation f, LayerParams p, LayerParams g, LayerBuffers buf,
                           Tensor stepSquares) {
        Scratch s = buf.scratch();
        if (!be.gruRecurrentBackward(p.recurrent(), s.acts, s.hGates, buf.hidden, buf.grad, s.dPre, s.dhGates,
                s.dhDirect, buf.batch, stepSquares)) {
            stepByStep(be, p, buf, s, stepSquares);
        }
        be.gemm(g.recurrent(), s.dhGates, true, buf.hiddenPrev, false, 1f, 1f);
        if (g.recurrentBias() != null) {
            be.sumRows(s.dhGates, g.recurrentBias(), true);
        }
        return s.dPre;
    }

    private static void stepByStep(Backend be, LayerParams p, LayerBuffers buf, Scratch s, Tensor stepSquares) {
        for (int t = buf.steps - 1; t >= 0; t--) {
            record(be, stepSquares, t, 0, s.gradAt[t]);
            be.gruBackward(s.actsAt[t], s.hGatesAt[t], s.hiddenPrevAt[t], s.gradAt[t], s.dPreAt[t], s.dhGatesAt[t],
                    s.dhDirect);
            record(be, stepSquares, t, 1, s.dPreAt[t]);
            if (t > 0) {
                be.axpy(1f, s.dhDirect, s.gradAt[t - 1]);
                be.gemm(s.gradAt[t - 1], s.dhGatesAt[t], false, p.recurrent(), false, 1f, 1f);
            }
        }
    }

    // ∂E/∂h_0 = z_1 ⊙ dh_1 + dA_1 U  (the direct part is what the sweep left at its first step)
    @Override
    public void initialGradients(Backend be, LayerParams p, LayerBuffers buf, Tensor[] dInitial) {
        Scratch s = buf.scratch();
        be.copy(s.dhDirect, dInitial[0]);
        be.gemm(dInitial[0], s.dhGatesAt[0], false, p.recurrent(), false, 1f, 1f);
    }

    /** U h + b_h and the activated gates of the step. */
    private static final class StepScratch implements AutoCloseable {
        final Tensor hGates;
        final Tensor gates;

        StepScratch(Backend be, int rows, int h) {
            hGates = be.allocate(rows, 3 * h);
            gates = be.allocate(rows, 3 * h);
        }

        @Override
        public void close() {
            closeAll(hGates, gates);
        }
    }

    @Override
    public AutoCloseable newStepScratch(Backend backend, int rows, int hiddenSize) {
        return new StepScratch(backend, rows, hiddenSize);
    }

    @Override
    public void step(Backend be, Activation f, LayerParams p, Tensor pre, Tensor[] state, Tensor[] next,
                     AutoCloseable scratch) {
        StepScratch s = (StepScratch) scratch;
        be.gemm(s.hGates, state[0], false, p.recurrent(), true, 1f, 0f);
        if (p.recurrentBias() != null) {
            be.addRowVector(s.hGates, p.recurrentBias());
        }
        be.gruForward(pre, s.hGates, state[0], next[0], s.gates);
    }
}

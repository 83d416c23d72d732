package io.rnn4j.nn;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;

/**
 * Long short-term memory, gates i, f, g, o (PyTorch's order): per step one recurrent GEMM for all
 * four gates and one fused kernel ({@link Backend#lstmForward}), mirrored backward. Carries h and c.
 */
final class LstmCell extends Cell {

    @Override
    public int gates() {
        return 4;
    }

    @Override
    public int stateCount() {
        return 2;
    }

    /** The forget gate's block starts at {@link RnnConfig#forgetBias()} (so that the cell starts by remembering). */
    @Override
    public float[] initialHiddenBias(RnnConfig config) {
        int h = config.hiddenSize();
        float[] b = new float[4 * h];
        java.util.Arrays.fill(b, h, 2 * h, config.forgetBias());
        return b;
    }

    /** Per-step views, tanh(c_t), ∂E/∂(gate pre-activations) and the carried ∂E/∂c. */
    private static final class Scratch implements AutoCloseable {
        final Tensor tanhC;
        final Tensor dPre;
        final Tensor dc;
        final Tensor[] preAt;
        final Tensor[] hiddenAt;
        final Tensor[] hiddenPrevAt;
        final Tensor[] gradAt;
        final Tensor[] cellAt;
        final Tensor[] tanhCAt;
        final Tensor[] dPreAt;

        Scratch(Backend be, LayerBuffers buf) {
            int rows = buf.batch * buf.steps;
            int h = buf.hidden.cols();
            tanhC = be.allocate(rows, h);
            dPre = be.allocate(rows, buf.pre.cols());
            dc = be.allocate(buf.batch, h);
            int n = buf.steps;
            preAt = new Tensor[n];
            hiddenAt = new Tensor[n];
            hiddenPrevAt = new Tensor[n];
            gradAt = new Tensor[n];
            cellAt = new Tensor[n + 1];
            tanhCAt = new Tensor[n];
            dPreAt = new Tensor[n];
            for (int t = 0; t < n; t++) {
                preAt[t] = buf.at(buf.pre, t);
                hiddenAt[t] = buf.at(buf.hidden, t + 1);
                hiddenPrevAt[t] = buf.at(buf.hidden, t);
                gradAt[t] = buf.at(buf.grad, t);
                tanhCAt[t] = buf.at(tanhC, t);
                dPreAt[t] = buf.at(dPre, t);
            }
            for (int t = 0; t <= n; t++) {
                cellAt[t] = buf.at(buf.states[1], t);
            }
        }

        @Override
        public void close() {
            closeAll(tanhC, dPre, dc);
        }
    }

    @Override
    public AutoCloseable newScratch(Backend backend, LayerBuffers buffers) {
        return new Scratch(backend, buffers);
    }

    // forward: for t: G_t += h_{t−1} Uᵀ;  (i, f, g, o) = act(G_t);  c_t = f c_{t−1} + i g;  h_t = o tanh(c_t)
    @Override
    public void forward(Backend be, Activation f, LayerParams p, LayerBuffers buf) {
        Scratch s = buf.scratch();
        if (be.lstmRecurrentForward(p.recurrent(), buf.pre, buf.hidden, buf.states[1], s.tanhC, buf.batch)) {
            return;
        }
        for (int t = 0; t < buf.steps; t++) {
            be.gemm(s.preAt[t], s.hiddenPrevAt[t], false, p.recurrent(), true, 1f, 1f);
            be.lstmForward(s.preAt[t], s.cellAt[t], s.cellAt[t + 1], s.hiddenAt[t], s.tanhCAt[t]);
        }
    }

    // backward: for t = T..1: dG_t = lstm'(dh_t, dc);  dh_{t−1} += dG_t U;  then dU += dGᵀ H_prev
    @Override
    public Tensor backward(Backend be, Activation f, LayerParams p, LayerParams g, LayerBuffers buf,
                           Tensor stepSquares) {
        Scratch s = buf.scratch();
        be.fill(s.dc, 0f);
        if (!be.lstmRecurrentBackward(p.recurrent(), buf.pre, buf.states[1], s.tanhC, buf.grad, s.dc, s.dPre,
                buf.batch, stepSquares)) {
            stepByStep(be, p, s, buf.steps, stepSquares);
        }
        be.gemm(g.recurrent(), s.dPre, true, buf.hiddenPrev, false, 1f, 1f);
        return s.dPre;
    }

    private static void stepByStep(Backend be, LayerParams p, Scratch s, int steps, Tensor stepSquares) {
        for (int t = steps - 1; t >= 0; t--) {
            record(be, stepSquares, t, 0, s.gradAt[t]);
            be.lstmBackward(s.preAt[t], s.cellAt[t], s.tanhCAt[t], s.gradAt[t], s.dc, s.dPreAt[t]);
            record(be, stepSquares, t, 1, s.dPreAt[t]);
            if (t > 0) {
                be.gemm(s.gradAt[t - 1], s.dPreAt[t], false, p.recurrent(), false, 1f, 1f);
            }
        }
    }

    // ∂E/∂h_0 = dG_1 U;  ∂E/∂c_0 is what the sweep carried past its first step
    @Override
    public void initialGradients(Backend be, LayerParams p, LayerBuffers buf, Tensor[] dInitial) {
        Scratch s = buf.scratch();
        be.gemm(dInitial[0], s.dPreAt[0], false, p.recurrent(), false, 1f, 0f);
        be.copy(s.dc, dInitial[1]);
    }

    /** tanh(c) of the step. */
    private static final class StepScratch implements AutoCloseable {
        final Tensor tanhC;

        StepScratch(Backend be, int rows, int h) {
            tanhC = be.allocate(rows, h);
        }

        @Override
        public void close() {
            closeAll(tanhC);
        }
    }

    @Override
    public AutoCloseable newStepScratch(Backend backend, int rows, int hiddenSize) {
        return new StepScratch(backend, rows, hiddenSize);
    }

    @Override
    public void step(Backend be, Activation f, LayerParams p, Tensor pre, Tensor[] state, Tensor[] next,
                     AutoCloseable scratch) {
        be.gemm(pre, state[0], false, p.recurrent(), true, 1f, 1f);
        be.lstmForward(pre, state[1], next[1], next[0], ((StepScratch) scratch).tanhC);
    }
}

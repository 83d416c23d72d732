package io.rnn4j.nn;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;

/**
 * The Elman cell: {@code s_t = W x_t + b + U h_{t−1}}, {@code h_t = f(s_t)}. The two sweeps are one
 * backend call each ({@link Backend#recurrentForward}, {@link Backend#recurrentBackward}), so that a
 * backend can schedule the whole recurrence as it likes.
 */
final class ElmanCell extends Cell {

    @Override
    public int gates() {
        return 1;
    }

    @Override
    public boolean supports(Activation f) {
        return true;
    }

    @Override
    public String preName() {
        return "pre-activation";
    }

    @Override
    public String gradName() {
        return "∂E/∂s (δ)";
    }

    @Override
    public AutoCloseable newScratch(Backend backend, LayerBuffers buffers) {
        return () -> { };
    }

    // forward:  for t: S_t += h_{t−1} Uᵀ;  h_t = f(S_t)
    @Override
    public void forward(Backend be, Activation f, LayerParams p, LayerBuffers buf) {
        be.recurrentForward(f, p.recurrent(), buf.pre, buf.hidden, p.slope(), buf.batch);
    }

    // backward: for t = T..1: G_t += δ_{t+1} U;  δ_t = f'(S_t) ⊙ G_t  (G becomes Δ);  dU += Δᵀ H_prev
    @Override
    public Tensor backward(Backend be, Activation f, LayerParams p, LayerParams g, LayerBuffers buf,
                           Tensor stepSquares) {
        be.recurrentBackward(f, p.recurrent(), buf.pre, buf.hidden, buf.grad, p.slope(), g.slope(), buf.batch,
                stepSquares);
        be.gemm(g.recurrent(), buf.grad, true, buf.hiddenPrev, false, 1f, 1f);
        return buf.grad;
    }

    // ∂E/∂h_0 = δ_1 U
    @Override
    public void initialGradients(Backend be, LayerParams p, LayerBuffers buf, Tensor[] dInitial) {
        be.gemm(dInitial[0], buf.at(buf.grad, 0), false, p.recurrent(), false, 1f, 0f);
    }

    @Override
    public AutoCloseable newStepScratch(Backend backend, int rows, int hiddenSize) {
        return () -> { };
    }

    @Override
    public void step(Backend be, Activation f, LayerParams p, Tensor pre, Tensor[] state, Tensor[] next,
                     AutoCloseable scratch) {
        be.gemm(pre, state[0], false, p.recurrent(), true, 1f, 1f);
        be.activationForward(f, pre, next[0], p.slope());
    }
}

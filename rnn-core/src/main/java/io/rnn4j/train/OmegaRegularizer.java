package io.rnn4j.train;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.LayerBuffers;
import io.rnn4j.nn.LayerParams;
import io.rnn4j.nn.RnnModel;

/**
 * Pascanu et al.'s Ω ({@link Regularizer}) for Elman layers, after the backward sweep, per layer
 * (rows: the pairs (s_k, s_{k+1}) of every sequence, k = 1..T−1, as blocks of B rows):
 * <pre>
 *   X = Δ[blocks 1..T−1]                    δ_{k+1} = ∂E/∂s_{k+1}, left by the cell's backward sweep
 *   V = (X U) ⊙ f'(s_k)                     one GEMM, then the activation's derivative in place
 *   C = ∂(ρ − 1)²/∂V,  Ω += Σ (ρ − 1)²      one row kernel (Backend#omegaRows), ρ = ‖V_r‖ / ‖X_r‖
 *   C ← C ⊙ f'(s_k);  dU += (λ / N) Xᵀ C      ∂⁺Ω/∂U with δ and s_k constant; N = Σ_b (length_b − 1)
 * </pre>
 * Rows of padded steps have δ = 0 and add nothing. The sum of the terms goes into the workspace's
 * scalars, which the gradient reduction reads in its one download: Ω costs no host sync of its own.
 */
final class OmegaRegularizer implements AutoCloseable {
    private final Backend backend;
    private final Activation f;
    private final float weight;
    private final LayerParams[] params;
    private final LayerParams[] gradients;
    private final int hidden;
    private final Tensor slopeScratch;
    private Tensor v;
    private Tensor c;

    OmegaRegularizer(RnnModel model, Arena grads, Regularizer r) {
        this.backend = model.backend();
        this.f = model.config().activation();
        this.weight = r.weight();
        this.params = LayerParams.all(model.parameters(), model.config().layers());
        this.gradients = LayerParams.all(grads, model.config().layers());
        this.hidden = model.config().hiddenSize();
        this.slopeScratch = backend.allocate(1, hidden);
    }

    /**
     * Adds λ ∂⁺Ω/∂U to each layer's recurrent gradient and writes Σ (ρ − 1)² into
     * {@code w.regularizerSum} (Ω is that over N).
     *
     * @param pairs N, the consecutive pairs of steps inside the sequences (0: nothing to do)
     */
    void apply(Workspace w, long pairs) {
        int b = w.batch;
        int rows = (w.steps - 1) * b;
        backend.fill(w.regularizerSum, 0f);
        if (pairs == 0 || rows == 0) {
            return;
        }
        ensure(rows);
        float scale = (float) (weight / pairs);
        for (int l = 0; l < params.length; l++) {
            LayerBuffers buf = w.layers[l].dirs[0];
            Tensor x = buf.grad.rows(b, rows);
            Tensor sk = buf.pre.rows(0, rows);
            Tensor hk = buf.hidden.rows(b, rows);
            backend.gemm(v, x, false, params[l].recurrent(), false, 1f, 0f);
            backend.activationBackward(f, sk, hk, v, params[l].slope(), params[l].slope() == null ? null : slopeScratch);
            backend.omegaRows(v, x, c, w.regularizerSum);
            backend.activationBackward(f, sk, hk, c, params[l].slope(), params[l].slope() == null ? null : slopeScratch);
            backend.gemm(gradients[l].recurrent(), x, true, c, false, scale, 1f);
        }
    }

    /**
     * Refuses a regularizer the model cannot take.
     *
     * @throws IllegalArgumentException for Ω on anything but unidirectional Elman layers
     */
    static void requireSupported(Regularizer r, io.rnn4j.nn.RnnConfig mc) {
        if (r.active() && (mc.cell() != io.rnn4j.nn.CellType.ELMAN || mc.bidirectional())) {
            throw new IllegalArgumentException("the regularizer " + r + " is defined for unidirectional Elman layers,"
                    + " not for a" + (mc.bidirectional() ? " bidirectional " : "n ") + mc.cell() + " model");
        }
    }

    private void ensure(int rows) {
        if (v != null && v.rows() == rows) {
            return;
        }
        releaseScratch();
        v = backend.allocate(rows, hidden);
        c = backend.allocate(rows, hidden);
    }

    private void releaseScratch() {
        if (v != null) {
            v.buffer().close();
            c.buffer().close();
            v = null;
            c = null;
        }
    }

    @Override
    public void close() {
        releaseScratch();
        slopeScratch.buffer().close();
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.Cell;
import io.rnn4j.nn.LayerBuffers;
import io.rnn4j.nn.LayerParams;
import io.rnn4j.nn.RnnModel;

/**
 * The recurrent layers of a step: forward bottom up (the input projection of all T·B rows, then the
 * cell's sweep), backward top down (the cell's sweep, then the input-side gradients and ∂E/∂h of
 * the layer below). What is common to every cell lives here; what differs is the {@link Cell}'s.
 */
final class LayerStack {
    private final Backend backend;
    private final Cell cell;
    private final Activation activation;
    private final LayerParams[] params;
    private final LayerParams[] gradients;

    LayerStack(RnnModel model, Arena grads) {
        this.backend = model.backend();
        this.cell = model.config().cell().implementation();
        this.activation = model.config().activation();
        this.params = LayerParams.all(model.parameters(), model.config().layers());
        this.gradients = LayerParams.all(grads, model.config().layers());
    }

    // forward, per layer l = 0..L−1:  S = X Wᵀ | W[:, x] | H_{l−1} Wᵀ (+ b);  cell forward over T steps
    void forward(Workspace w, CarriedState initial) {
        for (int l = 0; l < params.length; l++) {
            LayerBuffers buf = w.layers[l];
            LayerParams p = params[l];
            initial.copyInto(buf, l);
            if (l > 0) {
                backend.gemm(buf.pre, w.layers[l - 1].hiddenOut, false, p.input(), false, 1f, 0f);
            } else if (w.inputs == null) {
                backend.gatherRows(p.input(), w.inputIds, 0, buf.pre, false);
            } else {
                backend.gemm(buf.pre, w.inputs, false, p.input(), false, 1f, 0f);
            }
            if (p.hiddenBias() != null) {
                backend.addRowVector(buf.pre, p.hiddenBias());
            }
            cell.forward(backend, activation, p, buf);
        }
    }

    // backward, per layer l = L−1..0:  cell backward → Δ;  db += Σ Δ;  dW += Xᵀ Δ | scatter(Δ) | H_{l−1}ᵀ Δ;
    //                                  ∂E/∂H_{l−1} = Δ W   (the top layer's ∂E/∂h comes from the head)
    void backward(Workspace w) {
        for (int l = params.length - 1; l >= 0; l--) {
            LayerBuffers buf = w.layers[l];
            LayerParams p = params[l];
            LayerParams g = gradients[l];
            boolean top = l == params.length - 1;
            Tensor delta = cell.backward(backend, activation, p, g, buf, top ? w.stepSquares : null);
            if (g.hiddenBias() != null) {
                backend.sumRows(delta, g.hiddenBias(), true);
            }
            if (l > 0) {
                LayerBuffers below = w.layers[l - 1];
                backend.gemm(g.input(), below.hiddenOut, true, delta, false, 1f, 1f);
                backend.gemm(below.grad, delta, false, p.input(), true, 1f, 0f);
            } else if (w.inputs == null) {
                backend.scatterAddRows(delta, w.inputIds, 0, g.input());
            } else {
                backend.gemm(g.input(), w.inputs, true, delta, false, 1f, 1f);
            }
        }
    }
}

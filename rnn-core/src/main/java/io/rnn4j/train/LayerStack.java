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
 * The recurrent layers of a step: forward bottom up (each direction's input projection of all T·B
 * rows at once, then its cell's sweep; the reverse direction on rows permuted by P; then dropout on
 * the layer's outputs), backward top down (the mirror: dropout's masks, the cells' sweeps, then the
 * input-side gradients and ∂E/∂(outputs of the layer below)). What is common to every cell lives
 * here; what differs is the {@link Cell}'s.
 *
 * <p>A layer's output is one part per direction ({@code T·B × H} each, the forward and the reverse
 * states in the original time order); the next layer's input weights (and the head's) are used in
 * row (column) blocks of H, one per part, so the concatenation is never materialized.
 */
final class LayerStack {
    /** Stream ids of the dropout masks: update · 4096 + layer · 4 + place (0, 1 the parts, 2 the input). */
    private static final int PLACES = 4;

    private final Backend backend;
    private final Cell cell;
    private final Activation activation;
    private final int hidden;
    private final int directions;
    private final Dropout dropout;
    private final LayerParams[][] params;
    private final LayerParams[][] gradients;
    /** Row blocks of each layer's (and direction's) input weights and their gradients: [l][d][part]. */
    private final Tensor[][][] inBlocks;
    private final Tensor[][][] dInBlocks;

    LayerStack(RnnModel model, Arena grads, Dropout dropout) {
        this.backend = model.backend();
        this.cell = model.config().cell().implementation();
        this.activation = model.config().activation();
        this.hidden = model.config().hiddenSize();
        this.directions = model.config().directions();
        this.dropout = dropout;
        int layers = model.config().layers();
        this.params = LayerParams.all(model.parameters(), layers, directions);
        this.gradients = LayerParams.all(grads, layers, directions);
        this.inBlocks = new Tensor[layers][directions][];
        this.dInBlocks = new Tensor[layers][directions][];
        for (int l = 1; l < layers; l++) {
            for (int d = 0; d < directions; d++) {
                inBlocks[l][d] = blocks(params[l][d].input());
                dInBlocks[l][d] = blocks(gradients[l][d].input());
            }
        }
    }

    private Tensor[] blocks(Tensor w) {
        Tensor[] out = new Tensor[directions];
        for (int p = 0; p < directions; p++) {
            out[p] = w.rows(p * hidden, hidden);
        }
        return out;
    }

    private int slot(int l, int d) {
        return l * directions + d;
    }

    // forward, per layer l = 0..L−1 and direction d:
    //   S = X Wᵀ | W[:, x] | Σ_p H_{l−1,p} W_p (+ b)     (reverse: then S ← S[P])
    //   cell forward over T steps                        (reverse: then out ← H[P])
    //   while training with dropout: out_p ⊙ mask_p
    void forward(Workspace w, CarriedState initial, boolean train, long update) {
        w.dropping = train && dropout.active();
        Tensor x = w.inputs;
        if (x != null && w.dropping && w.inputMask != null) {
            backend.dropoutMask(w.inputMask, dropout.p(), dropout.seed(), stream(update, 0, 2));
            backend.multiply(w.inputs, w.inputMask, w.droppedInputs);
            x = w.droppedInputs;
        }
        for (int l = 0; l < params.length; l++) {
            StackLayer s = w.layers[l];
            for (int d = 0; d < directions; d++) {
                LayerBuffers buf = s.dirs[d];
                LayerParams p = params[l][d];
                Tensor target = d == 0 ? buf.pre : s.revPre;
                if (l > 0) {
                    Tensor[] below = w.layers[l - 1].read(w.dropping);
                    for (int part = 0; part < directions; part++) {
                        backend.gemm(target, below[part], false, inBlocks[l][d][part], false, 1f, part == 0 ? 0f : 1f);
                    }
                } else if (x == null) {
                    backend.gatherRows(p.input(), w.inputIds, 0, target, false);
                } else {
                    backend.gemm(target, x, false, p.input(), false, 1f, 0f);
                }
                if (p.hiddenBias() != null) {
                    backend.addRowVector(target, p.hiddenBias());
                }
                if (d == 1) {
                    backend.gatherRows(s.revPre, w.perm, 0, buf.pre, false);
                }
                initial.copyInto(buf, slot(l, d));
                cell.forward(backend, activation, p, buf);
                if (d == 1) {
                    backend.gatherRows(buf.hiddenOut, w.perm, 0, s.revOut, false);
                }
            }
            if (w.dropping) {
                for (int d = 0; d < directions; d++) {
                    backend.dropoutMask(s.masks[d], dropout.p(), dropout.seed(), stream(update, l, d));
                    backend.multiply(s.raw[d], s.masks[d], s.dropped[d]);
                }
            }
        }
    }

    private static long stream(long update, int layer, int place) {
        return update * 4096 + (long) layer * PLACES + place;
    }

    // backward, per layer l = L−1..0 (the consumer above has written ∂E/∂(what it read)):
    //   dropout: ∂E/∂out_p = mask_p ⊙ ∂E/∂dropped_p
    //   per direction d: (reverse: grad ← grad[P]) cell backward → Δ (reverse: Δ ← Δ[P]);  db += Σ Δ
    //   dW += Xᵀ Δ | scatter(Δ) | H_{l−1,p}ᵀ Δ per block;  ∂E/∂(read of layer l−1)_p = Σ_d Δ_d W_{d,p}ᵀ
    void backward(Workspace w) {
        for (int l = params.length - 1; l >= 0; l--) {
            StackLayer s = w.layers[l];
            if (w.dropping) {
                for (int d = 0; d < directions; d++) {
                    backend.multiply(s.droppedGrad[d], s.masks[d], s.rawGrad[d]);
                }
            }
            boolean top = l == params.length - 1;
            for (int d = 0; d < directions; d++) {
                LayerBuffers buf = s.dirs[d];
                LayerParams g = gradients[l][d];
                if (d == 1) {
                    backend.gatherRows(s.revOutGrad, w.perm, 0, buf.grad, false);
                }
                Tensor delta = cell.backward(backend, activation, params[l][d], g, buf,
                        top && d == 0 ? w.stepSquares : null);
                if (d == 1) {
                    backend.gatherRows(delta, w.perm, 0, s.revDelta, false);
                    delta = s.revDelta;
                }
                s.delta[d] = delta;
                if (g.hiddenBias() != null) {
                    backend.sumRows(delta, g.hiddenBias(), true);
                }
            }
            if (l > 0) {
                StackLayer below = w.layers[l - 1];
                Tensor[] read = below.read(w.dropping);
                Tensor[] readGrad = below.readGrad(w.dropping);
                for (int part = 0; part < directions; part++) {
                    for (int d = 0; d < directions; d++) {
                        backend.gemm(dInBlocks[l][d][part], read[part], true, s.delta[d], false, 1f, 1f);
                        backend.gemm(readGrad[part], s.delta[d], false, inBlocks[l][d][part], true, 1f, d == 0 ? 0f : 1f);
                    }
                }
            } else {
                Tensor x = w.dropping && w.inputMask != null ? w.droppedInputs : w.inputs;
                for (int d = 0; d < directions; d++) {
                    if (x == null) {
                        backend.scatterAddRows(s.delta[d], w.inputIds, 0, gradients[0][d].input());
                    } else {
                        backend.gemm(gradients[0][d].input(), x, true, s.delta[d], false, 1f, 1f);
                    }
                }
            }
        }
    }

    /** After {@link #backward}: ∂E/∂x of dense inputs into {@code w.inputGrad} (through the input mask). */
    void inputGradient(Workspace w) {
        StackLayer s = w.layers[0];
        for (int d = 0; d < directions; d++) {
            backend.gemm(w.inputGrad, s.delta[d], false, params[0][d].input(), true, 1f, d == 0 ? 0f : 1f);
        }
        if (w.dropping && w.inputMask != null) {
            backend.multiply(w.inputGrad, w.inputMask, w.inputGrad);
        }
    }

    /** After {@link #backward}: ∂E/∂(initial states) of every layer and direction into {@code w.initialGrad}. */
    void initialGradients(Workspace w) {
        int b = w.batch;
        Tensor[] out = new Tensor[w.initialGrad.length];
        for (int l = 0; l < params.length; l++) {
            for (int d = 0; d < directions; d++) {
                for (int k = 0; k < out.length; k++) {
                    out[k] = w.initialGrad[k].rows(slot(l, d) * b, b);
                }
                cell.initialGradients(backend, params[l][d], w.layers[l].dirs[d], out);
            }
        }
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.CellType;

/**
 * Every activation and scratch buffer of one training step for a fixed {@code (B, T)}, allocated
 * once, with its views precomputed, so that a step allocates nothing. Layout is time-major: row
 * {@code t·B + b}. Per-layer buffers live in {@link Layer}; the head's in the workspace itself.
 */
final class Workspace implements AutoCloseable {
    final int batch;
    final int steps;
    final int rows;

    /** One recurrent layer's buffers. */
    static final class Layer implements AutoCloseable {
        /** S: pre-activations (Elman) or gate pre-activations / input-side gate terms, {@code T·B × G·H}. */
        final Tensor pre;
        /** {@code (T+1)·B × H}: block 0 is h_0, block t+1 is h_{t+1}. */
        final Tensor hidden;
        /** G: ∂E/∂h, overwritten in place by δ for the Elman cell; {@code T·B × H}. */
        final Tensor grad;
        /** h_1..h_T, rows {@code [B, (T+1)·B)} of {@link #hidden}. */
        final Tensor hiddenOut;
        /** h_0..h_{T−1}, rows {@code [0, T·B)} of {@link #hidden}. */
        final Tensor hiddenPrev;
        /** Block 0 of {@link #hidden}: h_0. */
        final Tensor hiddenFirst;
        /** LSTM: c_0..c_T, {@code (T+1)·B × H}, and rows 1..T. */
        final Tensor cells;
        final Tensor cellsOut;
        /** LSTM: tanh(c_t), {@code T·B × H}. */
        final Tensor tanhC;
        /** LSTM and GRU: ∂E/∂(gate pre-activations) per step, {@code T·B × G·H} (GRU: the input side). */
        final Tensor dPre;
        /** LSTM: the carried ∂E/∂c, {@code B × H}. */
        final Tensor dc;
        /** GRU: U h_{t−1} + b_h per step, activated gates, ∂E/∂(U h + b_h), the direct ∂E/∂h_{t−1}. */
        final Tensor hGates;
        final Tensor acts;
        final Tensor dhGates;
        final Tensor dhDirect;
        final Tensor[] preAt;
        final Tensor[] hiddenAt;
        final Tensor[] hiddenPrevAt;
        final Tensor[] gradAt;
        final Tensor[] cellAt;
        final Tensor[] tanhCAt;
        final Tensor[] dPreAt;
        final Tensor[] hGatesAt;
        final Tensor[] actsAt;
        final Tensor[] dhGatesAt;

        Layer(Backend backend, int batch, int steps, int hiddenSize, CellType cell) {
            int rows = batch * steps;
            int gh = cell.gates() * hiddenSize;
            this.pre = backend.allocate(rows, gh);
            this.hidden = backend.allocate(rows + batch, hiddenSize);
            this.grad = backend.allocate(rows, hiddenSize);
            this.hiddenOut = hidden.rows(batch, rows);
            this.hiddenPrev = hidden.rows(0, rows);
            this.hiddenFirst = hidden.rows(0, batch);
            boolean lstm = cell == CellType.LSTM;
            boolean gru = cell == CellType.GRU;
            boolean gated = lstm || gru;
            this.cells = lstm ? backend.allocate(rows + batch, hiddenSize) : null;
            this.cellsOut = lstm ? cells.rows(batch, rows) : null;
            this.tanhC = lstm ? backend.allocate(rows, hiddenSize) : null;
            this.dPre = gated ? backend.allocate(rows, gh) : null;
            this.dc = lstm ? backend.allocate(batch, hiddenSize) : null;
            this.hGates = gru ? backend.allocate(rows, gh) : null;
            this.acts = gru ? backend.allocate(rows, gh) : null;
            this.dhGates = gru ? backend.allocate(rows, gh) : null;
            this.dhDirect = gru ? backend.allocate(batch, hiddenSize) : null;
            this.preAt = gated ? new Tensor[steps] : null;
            this.hiddenAt = gated ? new Tensor[steps] : null;
            this.hiddenPrevAt = gated ? new Tensor[steps] : null;
            this.gradAt = gated ? new Tensor[steps] : null;
            this.dPreAt = gated ? new Tensor[steps] : null;
            this.cellAt = lstm ? new Tensor[steps + 1] : null;
            this.tanhCAt = lstm ? new Tensor[steps] : null;
            this.hGatesAt = gru ? new Tensor[steps] : null;
            this.actsAt = gru ? new Tensor[steps] : null;
            this.dhGatesAt = gru ? new Tensor[steps] : null;
            if (gated) {
                for (int t = 0; t < steps; t++) {
                    preAt[t] = pre.rows(t * batch, batch);
                    hiddenAt[t] = hidden.rows((t + 1) * batch, batch);
                    hiddenPrevAt[t] = hidden.rows(t * batch, batch);
                    gradAt[t] = grad.rows(t * batch, batch);
                    dPreAt[t] = dPre.rows(t * batch, batch);
                    if (lstm) {
                        tanhCAt[t] = tanhC.rows(t * batch, batch);
                    } else {
                        hGatesAt[t] = hGates.rows(t * batch, batch);
                        actsAt[t] = acts.rows(t * batch, batch);
                        dhGatesAt[t] = dhGates.rows(t * batch, batch);
                    }
                }
                if (lstm) {
                    for (int t = 0; t <= steps; t++) {
                        cellAt[t] = cells.rows(t * batch, batch);
                    }
                }
            }
        }

        @Override
        public void close() {
            for (Tensor t : new Tensor[] {pre, hidden, grad, cells, tanhC, dPre, dc, hGates, acts, dhGates, dhDirect}) {
                if (t != null) {
                    t.buffer().close();
                }
            }
        }
    }

    /** The recurrent layers, bottom first. */
    final Layer[] layers;
    /** The top layer, read by the head. */
    final Layer top;

    /** Z: logits, then ∂E/∂z; {@code T·B × O} (or {@code B × O} for the last-step head). */
    final Tensor logits;
    /** Dense inputs {@code T·B × D}, or null for token inputs. */
    final Tensor inputs;
    /** Dense targets ({@code T·B × O} or {@code B × O}), or null for token targets. */
    final Tensor targets;
    /** Loss weights per position, {@code T·B × 1}. */
    final Tensor weights;
    /** The rows of {@link #weights} that line up with the head's rows. */
    final Tensor headWeights;
    /** h at each sequence's last step, {@code B × H} (last-step head). */
    final Tensor lastHidden;
    /** ∂E/∂h at each sequence's last step, {@code B × H} (last-step head). */
    final Tensor lastGrad;
    /** {@code 1 × 3}: loss, sum of squared gradients, clip scale. */
    final Tensor scalars;
    final Tensor loss;
    final Tensor sumSquares;
    final Tensor clipScale;
    /** {@code T × 2}: per-step Σ(∂E/∂h_t)² and Σδ_t² of the top layer, or null without diagnostics. */
    final Tensor stepSquares;
    final float[] stepScratch;

    final IndexBuffer inputIds;
    final IndexBuffer targetIds;
    /** Per sequence b: the row {@code (length_b − 1)·B + b} of its last valid step. */
    final IndexBuffer lastRows;

    /** Host scratch, so that validation and upload allocate nothing. */
    final int[] idScratch;
    final int[] targetScratch;
    final int[] lastRowScratch;
    final float[] weightScratch;
    final float[] scalarScratch = new float[3];

    Workspace(Backend backend, int batch, int steps, int hiddenSize, int inputWidth, int outputSize,
              boolean denseInputs, boolean denseTargets, boolean lastStepHead, boolean diagnostics, CellType cell,
              int layerCount) {
        this.batch = batch;
        this.steps = steps;
        this.rows = Math.multiplyExact(batch, steps);
        this.layers = new Layer[layerCount];
        for (int l = 0; l < layerCount; l++) {
            layers[l] = new Layer(backend, batch, steps, hiddenSize, cell);
        }
        this.top = layers[layerCount - 1];
        this.logits = backend.allocate(lastStepHead ? batch : rows, outputSize);
        this.inputs = denseInputs ? backend.allocate(rows, inputWidth) : null;
        this.targets = denseTargets ? backend.allocate(lastStepHead ? batch : rows, outputSize) : null;
        this.weights = backend.allocate(rows, 1);
        this.headWeights = weights.rows(0, logits.rows());
        this.lastHidden = lastStepHead ? backend.allocate(batch, hiddenSize) : null;
        this.lastGrad = lastStepHead ? backend.allocate(batch, hiddenSize) : null;
        this.scalars = backend.allocate(1, 3);
        this.loss = scalars.cols(0, 1);
        this.sumSquares = scalars.cols(1, 1);
        this.clipScale = scalars.cols(2, 1);
        this.stepSquares = diagnostics ? backend.allocate(steps, 2) : null;
        this.stepScratch = diagnostics ? new float[2 * steps] : null;
        this.inputIds = backend.allocateIndices(rows);
        this.targetIds = backend.allocateIndices(rows);
        this.lastRows = backend.allocateIndices(batch);
        this.idScratch = new int[rows];
        this.targetScratch = new int[rows];
        this.lastRowScratch = new int[batch];
        this.weightScratch = new float[rows];
    }

    boolean fits(int b, int t, boolean denseInputs, boolean denseTargets) {
        return b == batch && t == steps && denseInputs == (inputs != null) && denseTargets == (targets != null);
    }

    @Override
    public void close() {
        for (Layer l : layers) {
            l.close();
        }
        for (Tensor t : new Tensor[] {logits, inputs, targets, weights, lastHidden, lastGrad, scalars, stepSquares}) {
            if (t != null) {
                t.buffer().close();
            }
        }
        inputIds.close();
        targetIds.close();
        lastRows.close();
    }
}

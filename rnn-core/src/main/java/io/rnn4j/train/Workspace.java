package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.Cell;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.LayerBuffers;

/**
 * Every activation and scratch buffer of one training step for a fixed {@code (B, T)}, allocated
 * once, so that a step allocates nothing. Layout is time-major: row {@code t·B + b}. The recurrent
 * layers' buffers are {@link StackLayer}s; the head's, the batch's and the gradients with respect to
 * the inputs and initial states live here.
 */
final class Workspace implements AutoCloseable {
    final int batch;
    final int steps;
    final int rows;

    /** The recurrent layers, bottom first. */
    final StackLayer[] layers;
    /** The top layer's forward direction (the diagnostics read it). */
    final LayerBuffers top;
    /** Whether this step's forward pass drew dropout masks (its consumers read the dropped parts). */
    boolean dropping;

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
    /** h at each sequence's last step, per output part, {@code B × H} (last-step heads). */
    final Tensor[] lastHidden;
    /** ∂E/∂h at each sequence's last step, per output part, {@code B × H} (last-step heads). */
    final Tensor[] lastGrad;
    /** Variational dropout of dense inputs: the mask ({@code B × D}) and the dropped inputs; null without. */
    final Tensor inputMask;
    final Tensor droppedInputs;
    /** ∂E/∂x of dense inputs, {@code T·B × D} (null for token inputs). */
    final Tensor inputGrad;
    /** ∂E/∂(initial states): [k] is {@code (L·D·B) × H}, slot-major, as the carried states. */
    final Tensor[] initialGrad;
    /** The reverse direction's row permutation P (an involution), {@code T·B} ids. */
    final IndexBuffer perm;
    final int[] permScratch;
    /** {@code 1 × 4}: loss, sum of squared gradients, clip scale, the regularizer's sum. */
    final Tensor scalars;
    final Tensor loss;
    final Tensor sumSquares;
    /** The summed loss and the squared norm side by side: what the gated update checks ({@link io.rnn4j.backend.Backend#gatedUpdate}). */
    final Tensor finiteCheck;
    final Tensor clipScale;
    /** Σ of the regularizer's per-pair terms (0 without one), read with the other scalars in one download. */
    final Tensor regularizerSum;
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
    final float[] scalarScratch = new float[4];

    /** {@code old} when it fits (B, T) and the kinds of inputs and targets; otherwise {@code old} closed and a new one. */
    static Workspace fitting(Workspace old, Backend backend, Cell cell, int batch, int steps, RnnConfig mc,
                             TrainerConfig config, boolean denseIn, boolean denseTargets) {
        if (old != null && old.fits(batch, steps, denseIn, denseTargets)) {
            return old;
        }
        if (old != null) {
            old.close();
        }
        return new Workspace(backend, cell, batch, steps, mc.hiddenSize(), mc.inputSize(), mc.outputSize(), denseIn,
                denseTargets, config.loss().lastStepOnly(), config.diagnostics(), mc.layers(), mc.directions(),
                config.dropout());
    }

    Workspace(Backend backend, Cell cell, int batch, int steps, int hiddenSize, int inputWidth, int outputSize,
              boolean denseInputs, boolean denseTargets, boolean lastStepHead, boolean diagnostics, int layerCount,
              int directions, Dropout dropout) {
        this.batch = batch;
        this.steps = steps;
        this.rows = Math.multiplyExact(batch, steps);
        this.layers = new StackLayer[layerCount];
        for (int l = 0; l < layerCount; l++) {
            layers[l] = new StackLayer(backend, cell, directions, batch, steps, hiddenSize, dropout);
        }
        this.top = layers[layerCount - 1].dirs[0];
        boolean inputDropout = denseInputs && dropout.active() && dropout.kind() == Dropout.Kind.VARIATIONAL;
        this.inputMask = inputDropout ? backend.allocate(batch, inputWidth) : null;
        this.droppedInputs = inputDropout ? backend.allocate(rows, inputWidth) : null;
        this.inputGrad = denseInputs ? backend.allocate(rows, inputWidth) : null;
        this.initialGrad = new Tensor[cell.stateCount()];
        for (int k = 0; k < initialGrad.length; k++) {
            initialGrad[k] = backend.allocate(layerCount * directions * batch, hiddenSize);
        }
        this.perm = backend.allocateIndices(rows);
        this.permScratch = new int[rows];
        this.logits = backend.allocate(lastStepHead ? batch : rows, outputSize);
        this.inputs = denseInputs ? backend.allocate(rows, inputWidth) : null;
        this.targets = denseTargets ? backend.allocate(lastStepHead ? batch : rows, outputSize) : null;
        this.weights = backend.allocate(rows, 1);
        this.headWeights = weights.rows(0, logits.rows());
        this.lastHidden = lastStepHead ? new Tensor[directions] : null;
        this.lastGrad = lastStepHead ? new Tensor[directions] : null;
        for (int d = 0; lastStepHead && d < directions; d++) {
            lastHidden[d] = backend.allocate(batch, hiddenSize);
            lastGrad[d] = backend.allocate(batch, hiddenSize);
        }
        this.scalars = backend.allocate(1, 4);
        this.loss = scalars.cols(0, 1);
        this.sumSquares = scalars.cols(1, 1);
        this.clipScale = scalars.cols(2, 1);
        this.regularizerSum = scalars.cols(3, 1);
        this.finiteCheck = scalars.cols(0, 2);
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
        for (StackLayer l : layers) {
            l.close();
        }
        for (Tensor t : new Tensor[] {logits, inputs, targets, weights, scalars, stepSquares, inputMask, droppedInputs,
            inputGrad}) {
            if (t != null) {
                t.buffer().close();
            }
        }
        for (Tensor[] group : new Tensor[][] {lastHidden, lastGrad, initialGrad}) {
            for (int i = 0; group != null && i < group.length; i++) {
                group[i].buffer().close();
            }
        }
        perm.close();
        inputIds.close();
        targetIds.close();
        lastRows.close();
    }
}

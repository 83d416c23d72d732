package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.diagnostics.ActivationStats;
import io.rnn4j.diagnostics.GradientFlow;
import io.rnn4j.diagnostics.NonFiniteLocation;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.Cell;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.util.Objects;

/**
 * Trains an {@link RnnModel} (Elman, LSTM or GRU cell, one or more layers) with batched
 * backpropagation through time. The trainer orchestrates; the pieces are the batch staging
 * ({@link BatchStaging}), the recurrent layers ({@link LayerStack}, which runs each layer's
 * {@link Cell}), the loss head ({@link LossHead}), the carried state ({@link CarriedState}), the
 * optimizer ({@link OptimizerState}), the norm, clip scale and non-finite check
 * ({@link GradientReduction}), the gradient-flow recorder, and {@link StepWork}, which queues a
 * step's device work directly or replays it from a capture on a backend that captures.
 *
 * <p>One {@link #step(Batch)}: stage and check the batch; each layer's input projection for all
 * T·B rows at once and its cell's forward sweep; the head and its fused loss; the head's and each
 * layer's backward (top down); one global norm, the clip scale and one fused optimizer update over
 * the parameter arena (the equations, in the order the code runs them: docs/DESIGN.md §4). Only the
 * recurrences are sequential; after the first batch of a shape, a step allocates nothing on the
 * backend.
 *
 * <p><b>Truncated BPTT.</b> With {@link TrainerConfig#carryState()} the final hidden state of each
 * batch (at each sequence's last valid step) becomes the initial state of the next; no gradient
 * crosses the boundary. {@link #resetState()}, {@link #hiddenState()} and
 * {@link #setHiddenState(int, float[])} control it. Without carrying, every batch starts from the
 * initial state (zeros unless set).
 *
 * <p><b>Bad input</b> (ids out of range, shapes that do not match the model, NaN or infinite
 * values) throws {@link IllegalArgumentException} naming the position, before anything changes.
 * A non-finite loss or gradient throws {@link NonFiniteException} before the update.
 *
 * <p>Not thread-safe. Closing releases the gradient, optimizer and workspace memory, not the
 * model's parameters.
 */
public final class Trainer implements AutoCloseable {
    private final RnnModel model;
    private final RnnConfig mc;
    private final TrainerConfig config;
    private final Backend backend;
    private final Cell cell;
    private final Arena grads;
    private final OptimizerState optimizer;
    private final LayerStack layers;
    private final BatchStaging staging;
    private final LossHead head;
    private final CarriedState carried;
    private final GradientReduction reduction;
    private final GradientFlowRecorder recorder;
    private final OmegaRegularizer omega;
    /** A step's device work, queued directly or replayed from a capture. */
    private final StepWork work;
    /** Whether a non-finite loss or norm skips the update (all policies but CONTINUE). */
    private final boolean gated;

    private Workspace ws;
    private boolean haveInputGradients;
    private GradientFlow lastFlow;

    /**
     * A trainer for {@code model}: allocates the gradient and optimizer arenas (the workspace comes
     * with the first batch).
     *
     * @param model the model whose parameters it updates
     * @param config loss, reduction, clipping, optimizer, state carrying, diagnostics
     */
    public Trainer(RnnModel model, TrainerConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.mc = model.config();
        this.backend = model.backend();
        this.cell = mc.cell().implementation();
        CarriedState.requireSupported(config, mc);
        OmegaRegularizer.requireSupported(config.regularizer(), mc);
        this.grads = new Arena(backend, model.layout());
        this.optimizer = new OptimizerState(model, config.optimizer().rule(config.clipping().mode()
                == Clipping.Mode.VALUE ? config.clipping().threshold() : Float.POSITIVE_INFINITY), config.schedule());
        this.layers = new LayerStack(model, grads, config.dropout());
        this.staging = new BatchStaging(mc, config.loss());
        this.head = new LossHead(model, grads, config);
        this.carried = new CarriedState(backend, mc.cell().name(), mc.layers() * mc.directions(), mc.hiddenSize(),
                cell.stateCount());
        this.reduction = new GradientReduction(backend, config.clipping(), head,
                new NonFiniteLocator(backend, cell, mc.hiddenSize(), head.perStep()));
        this.recorder = new GradientFlowRecorder(backend);
        this.omega = config.regularizer().active() ? new OmegaRegularizer(model, grads, config.regularizer()) : null;
        this.gated = config.nonFinitePolicy() != NonFinitePolicy.CONTINUE;
        this.work = new StepWork(backend, grads, layers, head, omega, reduction, optimizer, !config.dropout().active(),
                gated);
    }

    /** {@return the model this trainer updates} */
    public RnnModel model() {
        return model;
    }

    /** {@return the training configuration} */
    public TrainerConfig config() {
        return config;
    }

    /** {@return number of updates applied so far} */
    public long stepCount() {
        return optimizer.steps();
    }

    /** {@return the learning rate the next update will use (the schedule's value at update {@link #stepCount()} + 1)} */
    public double learningRate() {
        return optimizer.nextLearningRate();
    }

    /**
     * One training step: forward, BPTT, clipping, optimizer update.
     *
     * @param batch inputs and targets that fit the model and the loss
     * @return what the step did
     * @throws IllegalArgumentException for bad input (nothing changes)
     * @throws NonFiniteException when the loss or gradient is NaN/infinite (parameters unchanged)
     */
    public StepResult step(Batch batch) {
        long start = System.nanoTime();
        prepare(batch);
        haveInputGradients = false;
        double lr = optimizer.nextLearningRate();
        optimizer.stageRate();
        boolean updateQueued = work.step(ws, carried, head.gradScale(staging.weightSum), staging.weighted,
                staging.pairs, optimizer.steps() + 1);
        GradientReduction red = reduction;
        NonFiniteLocation bad = red.read(ws, grads, staging.weightSum, staging.pairs);
        boolean update = !gated || bad == null;
        if (update) {
            if (!updateQueued) {
                optimizer.queueUpdate(grads, ws.clipScale, null);
            }
            optimizer.applied();
            advanceState();
        }
        if (bad != null && config.nonFinitePolicy() == NonFinitePolicy.THROW) {
            throw red.failure(optimizer.steps() + 1, bad);
        }
        recordFlow();
        long elapsed = System.nanoTime() - start;
        return new StepResult(optimizer.steps(), red.loss, config.reduction(), staging.contributing, red.norm,
                red.clipScale, elapsed, update, bad, lr, red.regularizer);
    }

    /**
     * Forward and backward only: fills the gradients ({@link #gradient(String)}) for this batch
     * and returns the loss and the pre-clip norm, without clipping or updating. With a carried
     * state, the state advances as in {@link #step(Batch)}.
     *
     * @param batch inputs and targets that fit the model and the loss
     * @return the loss and gradient norm (step 0, not updated)
     */
    public StepResult computeGradients(Batch batch) {
        long start = System.nanoTime();
        prepare(batch);
        haveInputGradients = false;
        work.gradients(ws, carried, head.gradScale(staging.weightSum), staging.weighted, staging.pairs,
                optimizer.steps() + 1);
        layers.initialGradients(ws);
        if (ws.inputGrad != null) {
            layers.inputGradient(ws);
        }
        haveInputGradients = true;
        NonFiniteLocation bad = reduction.reduce(ws, grads, staging.weightSum, staging.pairs, false);
        advanceState();
        recordFlow();
        return new StepResult(0, reduction.loss, config.reduction(), staging.contributing, reduction.norm, 1.0,
                System.nanoTime() - start, false, bad, optimizer.nextLearningRate(), reduction.regularizer);
    }

    /**
     * The loss of a batch under the current parameters, from the current initial state, without
     * changing parameters, gradients or the carried state.
     *
     * @param batch inputs and targets that fit the model and the loss
     * @return the loss under the configured reduction
     */
    public double evaluate(Batch batch) {
        prepare(batch);
        layers.forward(ws, carried, false, optimizer.steps() + 1);
        head.forward(ws, head.gradScale(staging.weightSum), staging.weighted);
        backend.download(ws.loss, ws.scalarScratch, 0);
        return head.reduce(ws.scalarScratch[0], staging.weightSum);
    }

    /**
     * The gradient of one parameter from the last step (before clipping), row-major.
     *
     * @param name a parameter name ({@link io.rnn4j.nn.ParameterLayout})
     * @return a new array
     */
    public float[] gradient(String name) {
        return grads.download(name);
    }

    /** {@return the gradient arena (same layout as the parameters)} */
    public Arena gradients() {
        return grads;
    }

    /**
     * ∂E/∂h_0 of the last {@link #computeGradients} (the gradient of the loss with respect to the
     * initial hidden state, the far end of the backward sweep): {@code (L·D)·B × H}, slot-major as
     * {@link #hiddenState()} (layer 0 forward first).
     *
     * @throws IllegalStateException when the last step was not {@link #computeGradients}
     * @return the gradient, a host copy
     */
    public float[] initialStateGradient() {
        requireInputGradients();
        return download(ws.initialGrad[0]);
    }

    /**
     * ∂E/∂c_0 of the last {@link #computeGradients}, for an LSTM: {@code (L·D)·B × H} as
     * {@link #cellState()}.
     *
     * @throws IllegalStateException for other cells, or when the last step was not {@link #computeGradients}
     * @return the gradient, a host copy
     */
    public float[] initialCellGradient() {
        requireInputGradients();
        if (ws.initialGrad.length < 2) {
            throw new IllegalStateException("only an LSTM has a cell state; this model is " + mc.cell());
        }
        return download(ws.initialGrad[1]);
    }

    /**
     * ∂E/∂x_t of the last {@link #computeGradients}, for a dense-input model: time-major
     * {@code T·B × D} (zero at padded steps).
     *
     * @throws IllegalStateException for token inputs, or when the last step was not {@link #computeGradients}
     * @return the gradient, a host copy
     */
    public float[] inputGradient() {
        requireInputGradients();
        if (ws.inputGrad == null) {
            throw new IllegalStateException("token inputs have no gradient; the model takes token ids");
        }
        return download(ws.inputGrad);
    }

    private void requireInputGradients() {
        if (ws == null || !haveInputGradients) {
            throw new IllegalStateException("call computeGradients(batch) first: the input and initial-state"
                    + " gradients are computed there (not by step)");
        }
    }

    // ------------------------------------------------------------------ state

    /**
     * Optimizer state arena {@code index} as a flat array in parameter-arena order: SGD's momentum;
     * Adagrad's accumulator; RMSProp's squared average, then its momentum buffer and (centered) its
     * gradient average; Adam's and AdamW's m (0) and v (1).
     *
     * @param index from 0, below the rule's count of state arenas ({@link io.rnn4j.backend.UpdateRule#stateTensors()})
     * @return a new array of {@code P} floats
     */
    public float[] optimizerState(int index) {
        return optimizer.download(index);
    }

    /**
     * Restores the optimizer after a checkpoint: the update count (for Adam's bias correction) and
     * the state arenas, in parameter-arena order. Checks everything first: a failure changes nothing.
     *
     * @param steps updates applied, {@code ≥ 0}
     * @param states exactly the rule's number of arenas, each {@code P} finite floats
     */
    public void restoreOptimizer(long steps, float[][] states) {
        optimizer.check(steps, states);
        optimizer.apply(steps, states);
    }

    /** {@return everything but the parameters: update count, optimizer state, carried state (host copies)} */
    public TrainingState snapshot() {
        return new TrainingState(optimizer.steps(), optimizer.downloadAll(), carried.batch(), carried.download(0),
                cell.stateCount() > 1 ? carried.download(1) : new float[0]);
    }

    /**
     * Puts a {@link #snapshot()} back. Every array is checked (counts, lengths, finite values)
     * before anything changes: a failure throws {@link IllegalArgumentException} and leaves the
     * trainer as it was. An empty carried state resets the state to zeros.
     *
     * @param state a snapshot of a trainer with the same model shape and optimizer
     */
    public void restore(TrainingState state) {
        Objects.requireNonNull(state, "state");
        optimizer.check(state.step(), state.optimizerStates());
        carried.check(state);
        optimizer.apply(state.step(), state.optimizerStates());
        carried.apply(state);
    }

    /** Sets the initial state to zeros (the next batch may have any batch size). */
    public void resetState() {
        carried.reset();
    }

    /** {@return the LSTM's current initial cell state, {@code (L·D)·B × H} as {@link #hiddenState()}, or an empty array (other cells, or before the first batch)} */
    public float[] cellState() {
        return cell.stateCount() > 1 ? carried.download(1) : new float[0];
    }

    /**
     * Sets the LSTM's initial cell state.
     *
     * @param batchSize B, matching the hidden state's
     * @param values {@code (L·D)·B·H} finite values, slot-major as {@link #hiddenState()}
     */
    public void setCellState(int batchSize, float[] values) {
        carried.check(1, batchSize, values);
        carried.upload(1, batchSize, values);
    }

    /**
     * The current initial hidden state, {@code (L·D)·B × H} with D directions (slot-major: layer 0's
     * forward B rows first, then its reverse ones when bidirectional, as PyTorch's {@code h_n}), or
     * an empty array before the first batch.
     *
     * @return a host copy
     */
    public float[] hiddenState() {
        return carried.download(0);
    }

    /**
     * Sets the initial hidden state for batches of {@code batchSize} sequences.
     *
     * @param batchSize B, at least 1
     * @param values {@code (L·D)·B·H} finite values, slot-major as {@link #hiddenState()}
     */
    public void setHiddenState(int batchSize, float[] values) {
        carried.check(0, batchSize, values);
        carried.upload(0, batchSize, values);
    }

    // ------------------------------------------------------------------ one step

    private void prepare(Batch batch) {
        Objects.requireNonNull(batch, "batch");
        int b = batch.batchSize();
        carried.requireBatch(b, config.carryState());
        staging.validate(batch);
        // Validation passed: from here on the step runs.
        ws = Workspace.fitting(ws, backend, cell, b, batch.steps(), mc, config, mc.inputKind() != InputKind.TOKENS,
                !batch.hasTokenTargets());
        carried.ensure(b, false);
        staging.stage(batch, ws, backend);
    }

    private void advanceState() {
        if (config.carryState()) {
            carried.advance(ws);
        }
    }

    // ------------------------------------------------------------------ diagnostics

    private void recordFlow() {
        if (config.diagnostics()) {
            lastFlow = recorder.record(ws, grads);
        }
    }

    /**
     * The gradient flow of the last step: per-step ‖∂E/∂h_t‖ and ‖δ_t‖ recorded inside the backward
     * sweep, and each parameter's pre-clip gradient norm.
     *
     * @throws IllegalStateException when diagnostics are off or no step has run
     * @return the last step's gradient flow
     */
    public GradientFlow lastGradientFlow() {
        if (!config.diagnostics()) {
            throw new IllegalStateException("diagnostics are off: build the TrainerConfig with diagnostics(true)");
        }
        if (lastFlow == null) {
            throw new IllegalStateException("no step has run yet");
        }
        return lastFlow;
    }

    /** {@return the pre-activations of the top layer for the last batch, time-major {@code T·B × G·H} (a host copy)} */
    public float[] lastPreActivations() {
        return download(requireWorkspace().top.pre);
    }

    /** {@return the top layer's hidden states h_1..h_T for the last batch, time-major {@code T·B × H} (a host copy)} */
    public float[] lastHiddenStates() {
        return download(requireWorkspace().top.hiddenOut);
    }

    /** {@return saturated (tanh, logistic) or dead (ReLU, PReLU) units per step of the last batch} */
    public ActivationStats lastActivationStats() {
        Workspace w = requireWorkspace();
        return ActivationStats.of(mc.activation(), lastPreActivations(), lastHiddenStates(), w.batch, w.steps,
                mc.hiddenSize());
    }

    private float[] download(io.rnn4j.backend.Tensor t) {
        float[] out = new float[(int) t.size()];
        backend.download(t, out, 0);
        return out;
    }

    /** The workspace of the last batch (package tests read the layers' buffers), or null. */
    Workspace workspace() {
        return ws;
    }

    private Workspace requireWorkspace() {
        if (ws == null) {
            throw new IllegalStateException("no batch has been processed yet");
        }
        return ws;
    }

    @Override
    public void close() {
        work.close();
        if (ws != null) {
            ws.close();
            ws = null;
        }
        carried.close();
        if (omega != null) {
            omega.close();
        }
        grads.close();
        optimizer.close();
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.data.Batch;
import io.rnn4j.diagnostics.ActivationStats;
import io.rnn4j.diagnostics.GradientFlow;
import io.rnn4j.diagnostics.NonFiniteLocation;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import java.util.Objects;

/**
 * Trains an {@link RnnModel} (Elman, LSTM or GRU cell) with batched backpropagation through time.
 *
 * <p>One {@link #step(Batch)} of the Elman cell, in the order the code runs it (time-major rows
 * {@code t·B + b}):
 * <pre>
 *   S = W[:, x] (gather) or X Wᵀ (one GEMM)  (+ b)       all T·B rows at once
 *   for t = 1..T:  S_t += h_{t−1} Uᵀ;  h_t = f(S_t)        the forward recurrence (one backend call)
 *   Z = H Vᵀ (+ c)                                          one GEMM over all rows
 *   loss; Z ← ∂E/∂z                                        fused softmax-CE or squared error
 *   dV += Zᵀ H;  G = Z V                                    one GEMM each
 *   for t = T..1:  G_t += δ_{t+1} U;  δ_t = f'(S_t) ⊙ G_t  the backward recurrence (one backend call)
 *   dU += Δᵀ H_prev;  db += Σ δ;  dW += scatter(δ) or Xᵀ Δ one call each
 *   one global norm; clip scale; one fused optimizer update over the parameter arena
 * </pre>
 * Only the two recurrences are sequential. The gated cells follow the same shape: one hoisted
 * input projection of all gates, then per step one recurrent GEMM for all gates and one fused
 * kernel ({@code lstmForward}/{@code gruForward}), mirrored backward, and the weight gradients as
 * one GEMM over all steps. After the first batch of a given shape, a step allocates nothing on
 * the backend.
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
    private final Arena grads;
    private final Arena state1;
    private final Arena state2;
    private final UpdateRule rule;

    /** Per layer l (bottom first): U_l, W_l, b_l, PReLU slopes, GRU recurrent bias, and their gradients. */
    private final Tensor[] recurrent;
    private final Tensor[] input;
    private final Tensor[] hiddenBias;
    private final Tensor[] slope;
    private final Tensor[] recurrentBias;
    private final Tensor[] dRecurrentBias;
    private final Tensor output;
    private final Tensor outputBias;
    private final CellType cell;
    private final Tensor[] dRecurrent;
    private final Tensor[] dInput;
    private final Tensor[] dHiddenBias;
    private final Tensor[] dSlope;
    private final Tensor dOutput;
    private final Tensor dOutputBias;
    private final int layerCount;

    private Workspace ws;
    /** The initial hidden state h_0 ({@code B × H}), or null before the first batch. */
    private Tensor h0;
    /** The initial cell state c_0 of an LSTM ({@code L·B × H}), or null. */
    private Tensor c0;
    /** Layer l's rows of {@link #h0} and {@link #c0}. */
    private Tensor[] h0At;
    private Tensor[] c0At;
    private boolean h0IsZero = true;
    private long stepCount;

    // Per-batch facts found by validation (fields, so that a step allocates nothing).
    private boolean weighted;
    private double weightSum;
    private long contributing;
    private double lastLoss;
    private double lastNorm;

    public Trainer(RnnModel model, TrainerConfig config) {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.mc = model.config();
        this.backend = model.backend();
        ParameterLayout layout = model.layout();
        this.rule = config.optimizer().rule(config.clipping().mode() == Clipping.Mode.VALUE
                ? config.clipping().threshold() : Float.POSITIVE_INFINITY);
        this.grads = new Arena(backend, layout);
        this.state1 = rule.stateTensors() >= 1 ? new Arena(backend, layout) : null;
        this.state2 = rule.stateTensors() >= 2 ? new Arena(backend, layout) : null;
        Arena p = model.parameters();
        layerCount = mc.layers();
        recurrent = new Tensor[layerCount];
        input = new Tensor[layerCount];
        hiddenBias = new Tensor[layerCount];
        slope = new Tensor[layerCount];
        recurrentBias = new Tensor[layerCount];
        dRecurrentBias = new Tensor[layerCount];
        dRecurrent = new Tensor[layerCount];
        dInput = new Tensor[layerCount];
        dHiddenBias = new Tensor[layerCount];
        dSlope = new Tensor[layerCount];
        for (int l = 0; l < layerCount; l++) {
            recurrent[l] = p.view(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l));
            input[l] = p.view(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l));
            hiddenBias[l] = p.viewOrNull(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l));
            slope[l] = p.viewOrNull(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l));
            recurrentBias[l] = p.viewOrNull(ParameterLayout.name(ParameterLayout.RECURRENT_BIAS, l));
            dRecurrent[l] = grads.view(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l));
            dInput[l] = grads.view(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l));
            dHiddenBias[l] = grads.viewOrNull(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l));
            dSlope[l] = grads.viewOrNull(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l));
            dRecurrentBias[l] = grads.viewOrNull(ParameterLayout.name(ParameterLayout.RECURRENT_BIAS, l));
        }
        output = p.view(ParameterLayout.OUTPUT_WEIGHTS);
        outputBias = p.viewOrNull(ParameterLayout.OUTPUT_BIAS);
        dOutput = grads.view(ParameterLayout.OUTPUT_WEIGHTS);
        dOutputBias = grads.viewOrNull(ParameterLayout.OUTPUT_BIAS);
        cell = mc.cell();
    }

    public RnnModel model() {
        return model;
    }

    public TrainerConfig config() {
        return config;
    }

    /** Number of updates applied so far. */
    public long stepCount() {
        return stepCount;
    }

    /**
     * One training step: forward, BPTT, clipping, optimizer update.
     *
     * @throws IllegalArgumentException for bad input (nothing changes)
     * @throws NonFiniteException when the loss or gradient is NaN/infinite (parameters unchanged)
     */
    public StepResult step(Batch batch) {
        long start = System.nanoTime();
        prepare(batch);
        forward();
        backward();
        NonFiniteLocation bad = reduceAndCheck();
        boolean update = bad == null || config.nonFinitePolicy() == NonFinitePolicy.CONTINUE;
        if (update) {
            backend.optimizerUpdate(rule, model.parameters().all(), grads.all(), state1 == null ? null : state1.all(),
                    state2 == null ? null : state2.all(), ws.clipScale, stepCount + 1);
            stepCount++;
            advanceState();
        }
        recordFlow();
        long elapsed = System.nanoTime() - start;
        return new StepResult(stepCount, lastLoss, config.reduction(), contributing, lastNorm, ws.scalarScratch[2],
                elapsed, update, bad);
    }

    /**
     * Forward and backward only: fills the gradients ({@link #gradient(String)}) for this batch
     * and returns the loss and the pre-clip norm, without clipping or updating. With a carried
     * state, the state advances as in {@link #step(Batch)}.
     */
    public StepResult computeGradients(Batch batch) {
        long start = System.nanoTime();
        prepare(batch);
        forward();
        backward();
        backend.sumSquares(grads.all(), ws.sumSquares, false);
        backend.fill(ws.clipScale, 1f);
        backend.download(ws.scalars, ws.scalarScratch, 0);
        advanceState();
        recordFlow();
        double loss = reducedLoss(ws.scalarScratch[0]);
        double norm = Math.sqrt(ws.scalarScratch[1]);
        NonFiniteLocation bad = Double.isFinite(loss) && Double.isFinite(norm) ? null : locateNonFinite(loss);
        return new StepResult(0, loss, config.reduction(), contributing, norm, 1.0, System.nanoTime() - start, false,
                bad);
    }

    /**
     * The loss of a batch under the current parameters, from the current initial state, without
     * changing parameters, gradients or the carried state.
     */
    public double evaluate(Batch batch) {
        prepare(batch);
        forward();
        backend.download(ws.loss, ws.scalarScratch, 0);
        return reducedLoss(ws.scalarScratch[0]);
    }

    /** The gradient of one parameter from the last step (before clipping), row-major. */
    public float[] gradient(String name) {
        return grads.download(name);
    }

    /** The gradient arena (same layout as the parameters). */
    public Arena gradients() {
        return grads;
    }

    /**
     * Optimizer state arena {@code index} (0 or 1) as a flat array in parameter-arena order:
     * momentum, Adagrad/RMSProp accumulator, or Adam's m (0) and v (1).
     */
    public float[] optimizerState(int index) {
        Arena a = index == 0 ? state1 : index == 1 ? state2 : null;
        if (a == null) {
            throw new IllegalArgumentException(rule.kind() + " has " + rule.stateTensors() + " state arenas, not index " + index);
        }
        return a.downloadAll();
    }

    /**
     * Restores the optimizer after a checkpoint: the update count (for Adam's bias correction) and
     * the state arenas, in parameter-arena order ({@code states.length} must equal the rule's).
     */
    public void restoreOptimizer(long steps, float[][] states) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + steps);
        }
        if (states.length != rule.stateTensors()) {
            throw new IllegalArgumentException(rule.kind() + " has " + rule.stateTensors() + " state arenas, got "
                    + states.length);
        }
        Arena[] arenas = {state1, state2};
        for (int i = 0; i < states.length; i++) {
            arenas[i].uploadAll(states[i]);
        }
        this.stepCount = steps;
    }

    // ------------------------------------------------------------------ state

    /** Sets the initial state to zeros (the next batch may have any batch size). */
    public void resetState() {
        if (h0 != null) {
            backend.fill(h0, 0f);
        }
        if (c0 != null) {
            backend.fill(c0, 0f);
        }
        h0IsZero = true;
    }

    /** The LSTM's current initial cell state {@code B × H}, or an empty array (other cells, or before the first batch). */
    public float[] cellState() {
        if (c0 == null) {
            return new float[0];
        }
        return download(c0);
    }

    /** Sets the LSTM's initial cell state ({@code B·H} finite values; B must match the hidden state's). */
    public void setCellState(int batchSize, float[] values) {
        if (cell != CellType.LSTM) {
            throw new IllegalArgumentException("only an LSTM has a cell state; this model is " + cell);
        }
        int h = mc.hiddenSize();
        if (values.length != (long) layerCount * batchSize * h) {
            throw new IllegalArgumentException("cell state must have L·B·H = " + layerCount + "·" + batchSize + "·" + h
                    + " values (layer-major), got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("cell state value " + values[i] + " at (batch " + (i / h) + ", unit "
                        + (i % h) + ") is not finite");
            }
        }
        ensureState(batchSize, h0 == null || stateBatch() != batchSize);
        backend.upload(values, 0, c0);
        h0IsZero = false;
    }

    /**
     * The current initial hidden state, {@code L·B × H} (layer-major: layer 0's B rows first, as
     * PyTorch's {@code h_n}), or an empty array before the first batch.
     */
    public float[] hiddenState() {
        if (h0 == null) {
            return new float[0];
        }
        float[] out = new float[(int) h0.size()];
        backend.download(h0, out, 0);
        return out;
    }

    /** Sets the initial hidden state for batches of {@code batchSize} sequences ({@code L·B·H} finite values, layer-major). */
    public void setHiddenState(int batchSize, float[] values) {
        int h = mc.hiddenSize();
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (values.length != (long) layerCount * batchSize * h) {
            throw new IllegalArgumentException("hidden state must have L·B·H = " + layerCount + "·" + batchSize + "·" + h
                    + " values (layer-major), got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("hidden state value " + values[i] + " at (layer "
                        + (i / h / batchSize) + ", batch " + (i / h % batchSize) + ", unit " + (i % h) + ") is not finite");
            }
        }
        ensureState(batchSize, true);
        backend.upload(values, 0, h0);
        h0IsZero = false;
    }

    /** B of the state tensors (they hold L·B rows). */
    private int stateBatch() {
        return h0.rows() / layerCount;
    }

    private void ensureState(int batchSize, boolean replacing) {
        if (h0 != null && stateBatch() == batchSize) {
            return;
        }
        if (h0 != null && !h0IsZero && !replacing) {
            throw new IllegalArgumentException("the carried hidden state is for B = " + stateBatch()
                    + " sequences but the batch has B = " + batchSize + "; call resetState() first");
        }
        if (h0 != null) {
            h0.buffer().close();
        }
        if (c0 != null) {
            c0.buffer().close();
            c0 = null;
        }
        h0 = backend.allocate(layerCount * batchSize, mc.hiddenSize());
        h0At = new Tensor[layerCount];
        c0At = new Tensor[layerCount];
        if (cell == CellType.LSTM) {
            c0 = backend.allocate(layerCount * batchSize, mc.hiddenSize());
        }
        for (int l = 0; l < layerCount; l++) {
            h0At[l] = h0.rows(l * batchSize, batchSize);
            c0At[l] = c0 == null ? null : c0.rows(l * batchSize, batchSize);
        }
        h0IsZero = true;
    }

    // ------------------------------------------------------------------ validation and upload

    private void prepare(Batch batch) {
        Objects.requireNonNull(batch, "batch");
        Loss loss = config.loss();
        boolean tokensIn = mc.inputKind() == InputKind.TOKENS;
        if (batch.hasTokenInputs() != tokensIn) {
            throw new IllegalArgumentException("the model takes " + (tokensIn ? "token ids" : "dense vectors")
                    + " but the batch has " + (batch.hasTokenInputs() ? "token ids" : "dense vectors"));
        }
        if (!tokensIn && batch.inputWidth() != mc.inputSize()) {
            throw new IllegalArgumentException("dense input width " + batch.inputWidth() + " does not match the model's "
                    + mc.inputSize());
        }
        boolean lastHead = loss == Loss.MSE_LAST_STEP;
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            if (!batch.hasTokenTargets()) {
                throw new IllegalArgumentException("softmax cross-entropy needs token targets, the batch has dense targets");
            }
        } else {
            if (batch.hasTokenTargets()) {
                throw new IllegalArgumentException(loss + " needs dense targets, the batch has token targets");
            }
            if (batch.targetWidth() != mc.outputSize()) {
                throw new IllegalArgumentException("target width " + batch.targetWidth() + " does not match the model's output size "
                        + mc.outputSize());
            }
            if (batch.targetsAtLastStepOnly() != lastHead) {
                throw new IllegalArgumentException(loss + " needs targets " + (lastHead ? "for the last step only (B·O)"
                        : "at every step (T·B·O)"));
            }
        }
        int b = batch.batchSize();
        int t = batch.steps();
        if (config.carryState() && h0 != null && stateBatch() != b && !h0IsZero) {
            throw new IllegalArgumentException("the carried hidden state is for B = " + stateBatch()
                    + " sequences but the batch has B = " + b + "; call resetState() first");
        }
        validateValues(batch);
        // Validation passed: from here on the step runs.
        ensureWorkspace(b, t, !tokensIn, !batch.hasTokenTargets(), lastHead);
        ensureState(b, false);
        fillScratch(batch, lastHead);
        upload(batch, lastHead);
    }

    private void validateValues(Batch batch) {
        int b = batch.batchSize();
        int n = b * batch.steps();
        float[] mask = batch.lossMask();
        if (batch.hasTokenInputs()) {
            int[] ids = batch.inputIds();
            int v = mc.inputSize();
            for (int i = 0; i < n; i++) {
                int id = ids[i];
                if ((id < 0 || id >= v) && batch.valid(i / b, i % b)) {
                    throw new IllegalArgumentException("input token id " + id + " at (batch " + (i % b) + ", step "
                            + (i / b) + ") is outside [0, " + v + ")");
                }
            }
        } else {
            checkFinite("input", batch.inputs(), b, batch.inputWidth());
        }
        if (batch.hasTokenTargets()) {
            int[] ids = batch.targetIds();
            int o = mc.outputSize();
            for (int i = 0; i < n; i++) {
                int id = ids[i];
                boolean counts = batch.valid(i / b, i % b) && (mask == null || mask[i] > 0);
                if ((id < 0 || id >= o) && counts) {
                    throw new IllegalArgumentException("target token id " + id + " at (batch " + (i % b) + ", step "
                            + (i / b) + ") is outside [0, " + o + ")");
                }
            }
        } else if (batch.targetsAtLastStepOnly()) {
            float[] y = batch.targets();
            for (int i = 0; i < y.length; i++) {
                if (!Float.isFinite(y[i])) {
                    throw new IllegalArgumentException("target value " + y[i] + " of (batch " + (i / batch.targetWidth())
                            + ", output " + (i % batch.targetWidth()) + ") is not finite");
                }
            }
        } else {
            checkFinite("target", batch.targets(), b, batch.targetWidth());
        }
    }

    private static void checkFinite(String what, float[] x, int b, int width) {
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                int row = i / width;
                throw new IllegalArgumentException(what + " value " + x[i] + " at (batch " + (row % b) + ", step "
                        + (row / b) + ", feature " + (i % width) + ") is not finite");
            }
        }
    }

    private void ensureWorkspace(int b, int t, boolean denseIn, boolean denseTargets, boolean lastHead) {
        if (ws != null && ws.fits(b, t, denseIn, denseTargets)) {
            return;
        }
        if (ws != null) {
            ws.close();
            ws = null;
        }
        ws = new Workspace(backend, b, t, mc.hiddenSize(), mc.inputSize(), mc.outputSize(), denseIn, denseTargets,
                lastHead, config.diagnostics(), cell, layerCount);
    }

    private void fillScratch(Batch batch, boolean lastHead) {
        int b = batch.batchSize();
        int steps = batch.steps();
        int n = b * steps;
        int[] lengths = batch.lengths();
        float[] mask = batch.lossMask();
        for (int s = 0; s < b; s++) {
            int last = lengths == null ? steps - 1 : lengths[s] - 1;
            ws.lastRowScratch[s] = last * b + s;
        }
        weighted = lengths != null || mask != null;
        if (batch.hasTokenInputs()) {
            int[] ids = batch.inputIds();
            for (int i = 0; i < n; i++) {
                ws.idScratch[i] = batch.valid(i / b, i % b) ? ids[i] : 0;
            }
        }
        if (batch.hasTokenTargets()) {
            int[] ids = batch.targetIds();
            for (int i = 0; i < n; i++) {
                boolean counts = batch.valid(i / b, i % b) && (mask == null || mask[i] > 0);
                ws.targetScratch[i] = counts ? ids[i] : 0;
            }
        }
        double sum = 0;
        long count = 0;
        if (lastHead) {
            for (int s = 0; s < b; s++) {
                float w = mask == null ? 1f : mask[ws.lastRowScratch[s]];
                ws.weightScratch[s] = w;
                sum += w;
                count += w > 0 ? 1 : 0;
            }
        } else {
            for (int i = 0; i < n; i++) {
                float w = batch.valid(i / b, i % b) ? (mask == null ? 1f : mask[i]) : 0f;
                ws.weightScratch[i] = w;
                sum += w;
                count += w > 0 ? 1 : 0;
            }
        }
        weightSum = sum;
        contributing = count;
    }

    private void upload(Batch batch, boolean lastHead) {
        int n = ws.rows;
        if (batch.hasTokenInputs()) {
            backend.uploadIndices(ws.idScratch, 0, ws.inputIds, n);
        } else {
            backend.upload(batch.inputs(), 0, ws.inputs);
        }
        if (batch.hasTokenTargets()) {
            backend.uploadIndices(ws.targetScratch, 0, ws.targetIds, n);
        } else {
            backend.upload(batch.targets(), 0, ws.targets);
        }
        backend.uploadIndices(ws.lastRowScratch, 0, ws.lastRows, ws.batch);
        if (weighted) {
            backend.upload(ws.weightScratch, 0, ws.headWeights);
        }
    }

    // ------------------------------------------------------------------ forward and backward

    private void forward() {
        Workspace w = ws;
        Activation f = mc.activation();
        for (int l = 0; l < layerCount; l++) {
            Workspace.Layer lw = w.layers[l];
            backend.copy(h0At[l], lw.hiddenFirst);
            if (l > 0) {
                backend.gemm(lw.pre, w.layers[l - 1].hiddenOut, false, input[l], false, 1f, 0f);
            } else if (w.inputs == null) {
                backend.gatherRows(input[0], w.inputIds, 0, lw.pre, false);
            } else {
                backend.gemm(lw.pre, w.inputs, false, input[0], false, 1f, 0f);
            }
            if (hiddenBias[l] != null) {
                backend.addRowVector(lw.pre, hiddenBias[l]);
            }
            switch (cell) {
                case ELMAN -> backend.recurrentForward(f, recurrent[l], lw.pre, lw.hidden, slope[l], w.batch);
                case LSTM -> {
                    backend.copy(c0At[l], lw.cellAt[0]);
                    for (int t = 0; t < w.steps; t++) {
                        backend.gemm(lw.preAt[t], lw.hiddenPrevAt[t], false, recurrent[l], true, 1f, 1f);
                        backend.lstmForward(lw.preAt[t], lw.cellAt[t], lw.cellAt[t + 1], lw.hiddenAt[t], lw.tanhCAt[t]);
                    }
                }
                case GRU -> {
                    for (int t = 0; t < w.steps; t++) {
                        backend.gemm(lw.hGatesAt[t], lw.hiddenPrevAt[t], false, recurrent[l], true, 1f, 0f);
                        if (recurrentBias[l] != null) {
                            backend.addRowVector(lw.hGatesAt[t], recurrentBias[l]);
                        }
                        backend.gruForward(lw.preAt[t], lw.hGatesAt[t], lw.hiddenPrevAt[t], lw.hiddenAt[t], lw.actsAt[t]);
                    }
                }
                default -> throw new IllegalStateException("cell " + cell);
            }
        }
        // Head and loss: Z = H Vᵀ (+ c); the loss kernel turns Z into ∂E/∂z.
        backend.fill(w.loss, 0f);
        Tensor src = headInput();
        backend.gemm(w.logits, src, false, output, true, 1f, 0f);
        if (outputBias != null) {
            backend.addRowVector(w.logits, outputBias);
        }
        float scale = gradScale();
        Tensor weights = weighted ? w.headWeights : null;
        if (config.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
            backend.softmaxCrossEntropy(w.logits, w.targetIds, 0, weights, scale, w.loss);
        } else {
            backend.squaredError(w.logits, w.targets, weights, scale, w.loss);
        }
    }

    private Tensor headInput() {
        if (config.loss() == Loss.MSE_LAST_STEP) {
            backend.gatherRows(ws.top.hiddenOut, ws.lastRows, 0, ws.lastHidden, false);
            return ws.lastHidden;
        }
        return ws.top.hiddenOut;
    }

    private void backward() {
        Workspace w = ws;
        Activation f = mc.activation();
        backend.fill(grads.all(), 0f);
        Tensor src = config.loss() == Loss.MSE_LAST_STEP ? w.lastHidden : w.top.hiddenOut;
        backend.gemm(dOutput, w.logits, true, src, false, 1f, 1f);
        if (dOutputBias != null) {
            backend.sumRows(w.logits, dOutputBias, true);
        }
        if (config.loss() == Loss.MSE_LAST_STEP) {
            backend.gemm(w.lastGrad, w.logits, false, output, false, 1f, 0f);
            backend.fill(w.top.grad, 0f);
            backend.scatterAddRows(w.lastGrad, w.lastRows, 0, w.top.grad);
        } else {
            backend.gemm(w.top.grad, w.logits, false, output, false, 1f, 0f);
        }
        for (int l = layerCount - 1; l >= 0; l--) {
            Workspace.Layer lw = w.layers[l];
            boolean record = l == layerCount - 1;
            Tensor delta;
            switch (cell) {
                case ELMAN -> {
                    backend.recurrentBackward(f, recurrent[l], lw.pre, lw.hidden, lw.grad, slope[l], dSlope[l], w.batch,
                            record ? w.stepSquares : null);
                    backend.gemm(dRecurrent[l], lw.grad, true, lw.hiddenPrev, false, 1f, 1f);
                    delta = lw.grad;
                }
                case LSTM -> {
                    backend.fill(lw.dc, 0f);
                    for (int t = w.steps - 1; t >= 0; t--) {
                        recordStep(record, t, 0, lw.gradAt[t]);
                        backend.lstmBackward(lw.preAt[t], lw.cellAt[t], lw.tanhCAt[t], lw.gradAt[t], lw.dc, lw.dPreAt[t]);
                        recordStep(record, t, 1, lw.dPreAt[t]);
                        if (t > 0) {
                            backend.gemm(lw.gradAt[t - 1], lw.dPreAt[t], false, recurrent[l], false, 1f, 1f);
                        }
                    }
                    backend.gemm(dRecurrent[l], lw.dPre, true, lw.hiddenPrev, false, 1f, 1f);
                    delta = lw.dPre;
                }
                case GRU -> {
                    for (int t = w.steps - 1; t >= 0; t--) {
                        recordStep(record, t, 0, lw.gradAt[t]);
                        backend.gruBackward(lw.actsAt[t], lw.hGatesAt[t], lw.hiddenPrevAt[t], lw.gradAt[t], lw.dPreAt[t],
                                lw.dhGatesAt[t], lw.dhDirect);
                        recordStep(record, t, 1, lw.dPreAt[t]);
                        if (t > 0) {
                            backend.axpy(1f, lw.dhDirect, lw.gradAt[t - 1]);
                            backend.gemm(lw.gradAt[t - 1], lw.dhGatesAt[t], false, recurrent[l], false, 1f, 1f);
                        }
                    }
                    backend.gemm(dRecurrent[l], lw.dhGates, true, lw.hiddenPrev, false, 1f, 1f);
                    if (dRecurrentBias[l] != null) {
                        backend.sumRows(lw.dhGates, dRecurrentBias[l], true);
                    }
                    delta = lw.dPre;
                }
                default -> throw new IllegalStateException("cell " + cell);
            }
            if (dHiddenBias[l] != null) {
                backend.sumRows(delta, dHiddenBias[l], true);
            }
            if (l > 0) {
                // Layer l reads layer l − 1's states: dW_l += H_{l−1}ᵀ Δ_l, and ∂E/∂h of layer l − 1 = Δ_l W_lᵀ.
                Workspace.Layer below = w.layers[l - 1];
                backend.gemm(dInput[l], below.hiddenOut, true, delta, false, 1f, 1f);
                backend.gemm(below.grad, delta, false, input[l], true, 1f, 0f);
            } else if (w.inputs == null) {
                backend.scatterAddRows(delta, w.inputIds, 0, dInput[0]);
            } else {
                backend.gemm(dInput[0], w.inputs, true, delta, false, 1f, 1f);
            }
        }
    }

    /** Diagnostics of a gated cell's top layer: Σ x² of one step's tensor into stepSquares[t, column]. */
    private void recordStep(boolean record, int t, int column, Tensor x) {
        if (record && ws.stepSquares != null) {
            backend.sumSquares(x, ws.stepSquares.rows(t, 1).cols(column, 1), false);
        }
    }

    /** ∂(reported loss)/∂(summed loss). */
    private float gradScale() {
        if (config.reduction() == Reduction.SUM) {
            return 1f;
        }
        double denom = lossDenominator();
        return denom > 0 ? (float) (1.0 / denom) : 0f;
    }

    private double lossDenominator() {
        double perPosition = config.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? 1 : mc.outputSize();
        return weightSum * perPosition;
    }

    private double reducedLoss(float sum) {
        if (config.reduction() == Reduction.SUM) {
            return sum;
        }
        double denom = lossDenominator();
        return denom > 0 ? sum / denom : 0.0;
    }

    /**
     * Norm, clip scale, one download. Returns null when loss and gradient are finite; otherwise
     * where the first NaN or infinity is, or throws under {@link NonFinitePolicy#THROW}.
     */
    private NonFiniteLocation reduceAndCheck() {
        Workspace w = ws;
        backend.sumSquares(grads.all(), w.sumSquares, false);
        if (config.clipping().mode() == Clipping.Mode.GLOBAL_NORM) {
            backend.clipScale(w.sumSquares, config.clipping().threshold(), w.clipScale);
        } else {
            backend.fill(w.clipScale, 1f);
        }
        backend.download(w.scalars, w.scalarScratch, 0);
        lastLoss = reducedLoss(w.scalarScratch[0]);
        lastNorm = Math.sqrt(w.scalarScratch[1]);
        if (Double.isFinite(lastLoss) && Double.isFinite(lastNorm)) {
            return null;
        }
        NonFiniteLocation where = locateNonFinite(lastLoss);
        if (config.nonFinitePolicy() == NonFinitePolicy.THROW) {
            throw new NonFiniteException("step " + (stepCount + 1) + ": loss " + lastLoss + ", gradient norm "
                    + lastNorm + "; first non-finite value: " + where
                    + "; the update was skipped and the parameters are unchanged", where);
        }
        return where;
    }

    /**
     * Finds the first NaN or infinity of this step, in the order the step computed them: the
     * forward pass step by step (pre-activation, then hidden state), the head (∂E/∂z after the
     * loss kernel), the backward sweep from the last step down (δ), then parameter gradients.
     */
    private NonFiniteLocation locateNonFinite(double loss) {
        Workspace w = ws;
        int h = mc.hiddenSize();
        for (int l = 0; l < layerCount; l++) {
            String layer = layerCount == 1 ? "" : "layer " + l + " ";
            float[] pre = download(w.layers[l].pre);
            float[] hid = download(w.layers[l].hiddenOut);
            for (int t = 0; t < w.steps; t++) {
                NonFiniteLocation loc = scanBlock(layer + (cell == CellType.ELMAN ? "pre-activation" : "gates"), pre, t,
                        w.batch, w.layers[l].pre.cols());
                if (loc == null) {
                    loc = scanBlock(layer + "hidden state", hid, t, w.batch, h);
                }
                if (loc != null) {
                    return loc;
                }
            }
        }
        float[] z = download(w.logits);
        for (int i = 0; i < z.length; i++) {
            if (!Float.isFinite(z[i])) {
                int row = i / w.logits.cols();
                boolean perStep = config.loss() != Loss.MSE_LAST_STEP;
                return new NonFiniteLocation("∂E/∂z (output head)", perStep ? row / w.batch : w.steps - 1,
                        row % w.batch, i % w.logits.cols(), z[i]);
            }
        }
        for (int l = layerCount - 1; l >= 0; l--) {
            float[] g = download(w.layers[l].grad);
            for (int t = w.steps - 1; t >= 0; t--) {
                NonFiniteLocation loc = scanBlock((layerCount == 1 ? "" : "layer " + l + " ")
                        + (cell == CellType.ELMAN ? "∂E/∂s (δ)" : "∂E/∂h"), g, t, w.batch, h);
                if (loc != null) {
                    return loc;
                }
            }
        }
        for (ParameterLayout.Entry e : grads.layout().entries()) {
            float[] v = grads.download(e.name());
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    return new NonFiniteLocation("gradient of " + e.name(), -1, -1, i, v[i]);
                }
            }
        }
        return new NonFiniteLocation("loss", -1, -1, 0, (float) loss);
    }

    private float[] download(Tensor t) {
        float[] out = new float[(int) t.size()];
        backend.download(t, out, 0);
        return out;
    }

    private static NonFiniteLocation scanBlock(String what, float[] data, int t, int batch, int h) {
        int from = t * batch * h;
        for (int i = from; i < from + batch * h; i++) {
            if (!Float.isFinite(data[i])) {
                return new NonFiniteLocation(what, t, (i - from) / h, (i - from) % h, data[i]);
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ diagnostics

    private GradientFlow lastFlow;

    private void recordFlow() {
        if (!config.diagnostics()) {
            return;
        }
        Workspace w = ws;
        backend.download(w.stepSquares, w.stepScratch, 0);
        double[] dh = new double[w.steps];
        double[] delta = new double[w.steps];
        for (int t = 0; t < w.steps; t++) {
            dh[t] = Math.sqrt(w.stepScratch[2 * t]);
            delta[t] = Math.sqrt(w.stepScratch[2 * t + 1]);
        }
        java.util.Map<String, Double> norms = new java.util.LinkedHashMap<>();
        for (ParameterLayout.Entry e : grads.layout().entries()) {
            backend.sumSquares(grads.view(e.name()), w.sumSquares, false);
            backend.download(w.sumSquares, w.scalarScratch, 1);
            norms.put(e.name(), Math.sqrt(w.scalarScratch[1]));
        }
        lastFlow = new GradientFlow(dh, delta, java.util.Collections.unmodifiableMap(norms));
    }

    /**
     * The gradient flow of the last step: per-step ‖∂E/∂h_t‖ and ‖δ_t‖ recorded inside the backward
     * sweep, and each parameter's pre-clip gradient norm.
     *
     * @throws IllegalStateException when diagnostics are off or no step has run
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

    /** The pre-activations of the top layer for the last batch, time-major {@code T·B × G·H} (a host copy). */
    public float[] lastPreActivations() {
        requireWorkspace();
        return download(ws.top.pre);
    }

    /** The top layer's hidden states h_1..h_T for the last batch, time-major {@code T·B × H} (a host copy). */
    public float[] lastHiddenStates() {
        requireWorkspace();
        return download(ws.top.hiddenOut);
    }

    /** Saturated (tanh, logistic) or dead (ReLU, PReLU) units per step of the last batch. */
    public ActivationStats lastActivationStats() {
        requireWorkspace();
        return ActivationStats.of(mc.activation(), lastPreActivations(), lastHiddenStates(), ws.batch, ws.steps,
                mc.hiddenSize());
    }

    private void requireWorkspace() {
        if (ws == null) {
            throw new IllegalStateException("no batch has been processed yet");
        }
    }

    private void advanceState() {
        if (config.carryState()) {
            for (int l = 0; l < layerCount; l++) {
                backend.gatherRows(ws.layers[l].hiddenOut, ws.lastRows, 0, h0At[l], false);
                if (c0 != null) {
                    backend.gatherRows(ws.layers[l].cellsOut, ws.lastRows, 0, c0At[l], false);
                }
            }
            h0IsZero = false;
        }
    }

    @Override
    public void close() {
        if (ws != null) {
            ws.close();
            ws = null;
        }
        if (h0 != null) {
            h0.buffer().close();
            h0 = null;
        }
        if (c0 != null) {
            c0.buffer().close();
            c0 = null;
        }
        grads.close();
        if (state1 != null) {
            state1.close();
        }
        if (state2 != null) {
            state2.close();
        }
    }
}

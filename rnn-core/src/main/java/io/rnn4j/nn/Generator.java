package io.rnn4j.nn;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Runs a token-input {@link RnnModel} one step at a time for one sequence, for sampling text: per
 * layer the input projection {@code W x + b}, then the cell's single step ({@link Cell#step}), then
 * {@code z = V h + c}. Uses the model's current parameters on its backend; its own state and scratch
 * are allocated once. Not thread-safe; close it when done.
 */
public final class Generator implements AutoCloseable {
    private final RnnModel model;
    private final Backend backend;
    private final Cell cell;
    private final int layers;
    private final LayerParams[] params;
    /** Per layer: the input projection (then the cell's pre-activations), the states, the next states, scratch. */
    private final Tensor[] pre;
    private final Tensor[][] state;
    private final Tensor[][] next;
    private final AutoCloseable[] scratch;
    private final Tensor logits;
    private final IndexBuffer token;
    private final int[] tokenScratch = new int[1];
    private final float[] logitScratch;
    private final double[] probScratch;

    /**
     * A generator for {@code model}, with zero states.
     *
     * @param model a token-input model (its parameters are read at every step, not copied)
     * @throws IllegalArgumentException for a dense-input or a bidirectional model
     */
    public Generator(RnnModel model) {
        this.model = Objects.requireNonNull(model, "model");
        if (model.config().inputKind() != InputKind.TOKENS) {
            throw new IllegalArgumentException("the generator needs a token-input model");
        }
        if (model.config().bidirectional()) {
            throw new IllegalArgumentException("a bidirectional model cannot generate: its reverse direction reads the"
                    + " steps that are still to come");
        }
        this.backend = model.backend();
        RnnConfig c = model.config();
        int h = c.hiddenSize();
        this.cell = c.cell().implementation();
        this.layers = c.layers();
        this.params = LayerParams.all(model.parameters(), layers);
        this.pre = new Tensor[layers];
        this.state = new Tensor[layers][cell.stateCount()];
        this.next = new Tensor[layers][cell.stateCount()];
        this.scratch = new AutoCloseable[layers];
        for (int l = 0; l < layers; l++) {
            pre[l] = backend.allocate(1, cell.gates() * h);
            for (int k = 0; k < cell.stateCount(); k++) {
                state[l][k] = backend.allocate(1, h);
                next[l][k] = backend.allocate(1, h);
            }
            scratch[l] = cell.newStepScratch(backend, 1, h);
        }
        this.logits = backend.allocate(1, c.outputSize());
        this.token = backend.allocateIndices(1);
        this.logitScratch = new float[c.outputSize()];
        this.probScratch = new double[c.outputSize()];
    }

    /** Sets every state of every layer (h, and the LSTM's c) to zeros. */
    public void reset() {
        for (Tensor[] layer : state) {
            for (Tensor s : layer) {
                backend.fill(s, 0f);
            }
        }
    }

    /**
     * Sets the hidden state of every layer.
     *
     * @param h {@code L·H} finite values, layer 0 first
     * @throws IllegalArgumentException for a wrong length or a non-finite value (nothing changes)
     */
    public void setState(float[] h) {
        int hs = state[0][0].cols();
        if (h.length != layers * hs) {
            throw new IllegalArgumentException("state must have L·H = " + layers + "·" + hs + " values, got " + h.length);
        }
        for (int i = 0; i < h.length; i++) {
            if (!Float.isFinite(h[i])) {
                throw new IllegalArgumentException("state value " + h[i] + " at unit " + i + " is not finite");
            }
        }
        for (int l = 0; l < layers; l++) {
            backend.upload(h, l * hs, state[l][0]);
        }
    }

    /** {@return the current hidden state of every layer: {@code L·H} values, layer 0 first} */
    public float[] state() {
        int hs = state[0][0].cols();
        float[] out = new float[layers * hs];
        for (int l = 0; l < layers; l++) {
            backend.download(state[l][0], out, l * hs);
        }
        return out;
    }

    /**
     * Feeds one token and returns the logits {@code z} of the next-token distribution.
     *
     * @param tokenId an id in {@code [0, V)}
     * @return a shared array, overwritten by the next call
     * @throws IllegalArgumentException for an id out of range (nothing changes)
     */
    public float[] feed(int tokenId) {
        int v = model.config().inputSize();
        if (tokenId < 0 || tokenId >= v) {
            throw new IllegalArgumentException("token id " + tokenId + " is outside [0, " + v + ")");
        }
        tokenScratch[0] = tokenId;
        backend.uploadIndices(tokenScratch, 0, token, 1);
        for (int l = 0; l < layers; l++) {
            LayerParams p = params[l];
            if (l == 0) {
                backend.gatherRows(p.input(), token, 0, pre[0], false);
            } else {
                backend.gemm(pre[l], state[l - 1][0], false, p.input(), false, 1f, 0f);
            }
            if (p.hiddenBias() != null) {
                backend.addRowVector(pre[l], p.hiddenBias());
            }
            cell.step(backend, model.config().activation(), p, pre[l], state[l], next[l], scratch[l]);
            for (int k = 0; k < state[l].length; k++) {
                backend.copy(next[l][k], state[l][k]);
            }
        }
        backend.gemm(logits, state[layers - 1][0], false, model.view(ParameterLayout.OUTPUT_WEIGHTS), true, 1f, 0f);
        Tensor c = model.view(ParameterLayout.OUTPUT_BIAS);
        if (c != null) {
            backend.addRowVector(logits, c);
        }
        backend.download(logits, logitScratch, 0);
        return logitScratch;
    }

    /**
     * Feeds {@code tokenId} and draws the next token from {@code softmax(z / temperature)}.
     *
     * @param tokenId the current token
     * @param temperature finite and {@code ≥ 0}; 0 takes the most likely token
     * @param rng the random source of the draw
     * @return the next token id
     */
    public int sampleNext(int tokenId, double temperature, SplittableRandom rng) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        float[] z = feed(tokenId);
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        if (temperature == 0) {
            return best;
        }
        double max = z[best];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            probScratch[i] = Math.exp((z[i] - max) / temperature);
            sum += probScratch[i];
        }
        double u = rng.nextDouble() * sum;
        for (int i = 0; i < z.length; i++) {
            u -= probScratch[i];
            if (u <= 0) {
                return i;
            }
        }
        return z.length - 1;
    }

    @Override
    public void close() {
        for (int l = 0; l < layers; l++) {
            Cell.closeAll(pre[l]);
            Cell.closeAll(state[l]);
            Cell.closeAll(next[l]);
            try {
                scratch[l].close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the generator's scratch failed", e);
            }
        }
        logits.buffer().close();
        token.close();
    }
}

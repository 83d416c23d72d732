package io.rnn4j.nn;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Runs a token-input {@link RnnModel} one step at a time for one sequence, for sampling text: the
 * cell's step ({@code h ← f(U h + W[x] + b)} for the Elman cell, the fused LSTM or GRU step
 * otherwise), then {@code z = V h + c}. Uses the model's current parameters on its backend; its own
 * state and scratch are allocated once. Not thread-safe; close it when done.
 */
public final class Generator implements AutoCloseable {
    private final RnnModel model;
    private final Backend backend;
    private final int layers;
    /** Per layer: gate pre-activations, state, next state, and the gated cells' scratch. */
    private final Tensor[] pre;
    private final Tensor[] hidden;
    private final Tensor[] next;
    private final Tensor[] hGates;
    private final Tensor[] cell;
    private final Tensor[] nextCell;
    private final Tensor[] tanhC;
    private final Tensor[] gates;
    private final Tensor logits;
    private final IndexBuffer token;
    private final int[] tokenScratch = new int[1];
    private final float[] logitScratch;
    private final double[] probScratch;

    public Generator(RnnModel model) {
        this.model = Objects.requireNonNull(model, "model");
        if (model.config().inputKind() != InputKind.TOKENS) {
            throw new IllegalArgumentException("the generator needs a token-input model");
        }
        this.backend = model.backend();
        int h = model.config().hiddenSize();
        int o = model.config().outputSize();
        CellType type = model.config().cell();
        this.layers = model.config().layers();
        this.pre = new Tensor[layers];
        this.hidden = new Tensor[layers];
        this.next = new Tensor[layers];
        this.hGates = new Tensor[layers];
        this.cell = new Tensor[layers];
        this.nextCell = new Tensor[layers];
        this.tanhC = new Tensor[layers];
        this.gates = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            pre[l] = backend.allocate(1, type.gates() * h);
            hidden[l] = backend.allocate(1, h);
            next[l] = backend.allocate(1, h);
            if (type == CellType.GRU) {
                hGates[l] = backend.allocate(1, 3 * h);
                gates[l] = backend.allocate(1, 3 * h);
            }
            if (type == CellType.LSTM) {
                cell[l] = backend.allocate(1, h);
                nextCell[l] = backend.allocate(1, h);
                tanhC[l] = backend.allocate(1, h);
            }
        }
        this.logits = backend.allocate(1, o);
        this.token = backend.allocateIndices(1);
        this.logitScratch = new float[o];
        this.probScratch = new double[o];
    }

    /** Sets the hidden (and LSTM cell) state of every layer to zeros. */
    public void reset() {
        for (int l = 0; l < layers; l++) {
            backend.fill(hidden[l], 0f);
            if (cell[l] != null) {
                backend.fill(cell[l], 0f);
            }
        }
    }

    /** Sets the hidden state ({@code L·H} finite values, layer 0 first). */
    public void setState(float[] h) {
        int hs = hidden[0].cols();
        if (h.length != layers * hs) {
            throw new IllegalArgumentException("state must have L·H = " + layers + "·" + hs + " values, got " + h.length);
        }
        for (int i = 0; i < h.length; i++) {
            if (!Float.isFinite(h[i])) {
                throw new IllegalArgumentException("state value " + h[i] + " at unit " + i + " is not finite");
            }
        }
        for (int l = 0; l < layers; l++) {
            backend.upload(h, l * hs, hidden[l]);
        }
    }

    /** The current hidden state of every layer ({@code L·H}, layer 0 first). */
    public float[] state() {
        int hs = hidden[0].cols();
        float[] out = new float[layers * hs];
        for (int l = 0; l < layers; l++) {
            backend.download(hidden[l], out, l * hs);
        }
        return out;
    }

    /**
     * Feeds one token and returns the logits {@code z} of the next-token distribution (a shared
     * array, overwritten by the next call).
     */
    public float[] feed(int tokenId) {
        int v = model.config().inputSize();
        if (tokenId < 0 || tokenId >= v) {
            throw new IllegalArgumentException("token id " + tokenId + " is outside [0, " + v + ")");
        }
        tokenScratch[0] = tokenId;
        backend.uploadIndices(tokenScratch, 0, token, 1);
        for (int l = 0; l < layers; l++) {
            Tensor w = model.view(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l));
            if (l == 0) {
                backend.gatherRows(w, token, 0, pre[0], false);
            } else {
                backend.gemm(pre[l], hidden[l - 1], false, w, false, 1f, 0f);
            }
            Tensor b = model.view(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l));
            if (b != null) {
                backend.axpy(1f, b, pre[l]);
            }
            Tensor u = model.view(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l));
            switch (model.config().cell()) {
                case ELMAN -> {
                    backend.gemm(pre[l], hidden[l], false, u, true, 1f, 1f);
                    backend.activationForward(model.config().activation(), pre[l], next[l],
                            model.view(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l)));
                }
                case LSTM -> {
                    backend.gemm(pre[l], hidden[l], false, u, true, 1f, 1f);
                    backend.lstmForward(pre[l], cell[l], nextCell[l], next[l], tanhC[l]);
                    backend.copy(nextCell[l], cell[l]);
                }
                case GRU -> {
                    backend.gemm(hGates[l], hidden[l], false, u, true, 1f, 0f);
                    Tensor bh = model.view(ParameterLayout.name(ParameterLayout.RECURRENT_BIAS, l));
                    if (bh != null) {
                        backend.axpy(1f, bh, hGates[l]);
                    }
                    backend.gruForward(pre[l], hGates[l], hidden[l], next[l], gates[l]);
                }
                default -> throw new IllegalStateException("cell " + model.config().cell());
            }
            backend.copy(next[l], hidden[l]);
        }
        backend.gemm(logits, hidden[layers - 1], false, model.view(ParameterLayout.OUTPUT_WEIGHTS), true, 1f, 0f);
        Tensor c = model.view(ParameterLayout.OUTPUT_BIAS);
        if (c != null) {
            backend.axpy(1f, c, logits);
        }
        backend.download(logits, logitScratch, 0);
        return logitScratch;
    }

    /**
     * Feeds {@code tokenId} and draws the next token from {@code softmax(z / temperature)};
     * temperature 0 takes the most likely token.
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
        for (Tensor[] group : new Tensor[][] {pre, hidden, next, hGates, cell, nextCell, tanhC, gates}) {
            for (Tensor t : group) {
                if (t != null) {
                    t.buffer().close();
                }
            }
        }
        logits.buffer().close();
        token.close();
    }
}

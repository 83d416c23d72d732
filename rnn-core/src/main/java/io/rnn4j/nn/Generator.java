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
    private final Tensor pre;
    private final Tensor hidden;
    private final Tensor next;
    /** Gated cells: the recurrent gate terms, the LSTM cell state and its update, tanh(c). */
    private final Tensor hGates;
    private final Tensor cell;
    private final Tensor nextCell;
    private final Tensor tanhC;
    private final Tensor gates;
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
        this.pre = backend.allocate(1, type.gates() * h);
        this.hidden = backend.allocate(1, h);
        this.next = backend.allocate(1, h);
        this.hGates = type == CellType.GRU ? backend.allocate(1, 3 * h) : null;
        this.cell = type == CellType.LSTM ? backend.allocate(1, h) : null;
        this.nextCell = type == CellType.LSTM ? backend.allocate(1, h) : null;
        this.tanhC = type == CellType.LSTM ? backend.allocate(1, h) : null;
        this.gates = type == CellType.GRU ? backend.allocate(1, 3 * h) : null;
        this.logits = backend.allocate(1, o);
        this.token = backend.allocateIndices(1);
        this.logitScratch = new float[o];
        this.probScratch = new double[o];
    }

    /** Sets the hidden (and LSTM cell) state to zeros. */
    public void reset() {
        backend.fill(hidden, 0f);
        if (cell != null) {
            backend.fill(cell, 0f);
        }
    }

    /** Sets the hidden state ({@code H} finite values). */
    public void setState(float[] h) {
        if (h.length != hidden.cols()) {
            throw new IllegalArgumentException("state must have H = " + hidden.cols() + " values, got " + h.length);
        }
        for (int i = 0; i < h.length; i++) {
            if (!Float.isFinite(h[i])) {
                throw new IllegalArgumentException("state value " + h[i] + " at unit " + i + " is not finite");
            }
        }
        backend.upload(h, 0, hidden);
    }

    /** The current hidden state. */
    public float[] state() {
        float[] out = new float[hidden.cols()];
        backend.download(hidden, out, 0);
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
        backend.gatherRows(model.view(ParameterLayout.INPUT_WEIGHTS), token, 0, pre, false);
        Tensor b = model.view(ParameterLayout.HIDDEN_BIAS);
        if (b != null) {
            backend.axpy(1f, b, pre);
        }
        Tensor u = model.view(ParameterLayout.RECURRENT_WEIGHTS);
        switch (model.config().cell()) {
            case ELMAN -> {
                backend.gemm(pre, hidden, false, u, true, 1f, 1f);
                backend.activationForward(model.config().activation(), pre, next,
                        model.view(ParameterLayout.PRELU_SLOPE));
            }
            case LSTM -> {
                backend.gemm(pre, hidden, false, u, true, 1f, 1f);
                backend.lstmForward(pre, cell, nextCell, next, tanhC);
                backend.copy(nextCell, cell);
            }
            case GRU -> {
                backend.gemm(hGates, hidden, false, u, true, 1f, 0f);
                Tensor bh = model.view(ParameterLayout.RECURRENT_BIAS);
                if (bh != null) {
                    backend.axpy(1f, bh, hGates);
                }
                backend.gruForward(pre, hGates, hidden, next, gates);
            }
            default -> throw new IllegalStateException("cell " + model.config().cell());
        }
        backend.copy(next, hidden);
        backend.gemm(logits, hidden, false, model.view(ParameterLayout.OUTPUT_WEIGHTS), true, 1f, 0f);
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
        for (Tensor t : new Tensor[] {hGates, cell, nextCell, tanhC, gates}) {
            if (t != null) {
                t.buffer().close();
            }
        }
        pre.buffer().close();
        hidden.buffer().close();
        next.buffer().close();
        logits.buffer().close();
        token.close();
    }
}

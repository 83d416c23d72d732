package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.nn.CellType;
import io.rnn4j.train.Clipping;

/**
 * One benchmark configuration: a token-input recurrent net (Elman, LSTM or GRU cell; V vocabulary,
 * H hidden) trained on batches of B sequences of T steps with softmax cross-entropy (summed), the
 * given clipping and plain SGD, the model PyTorch's comparison script builds.
 */
public record StepConfig(int vocab, int hidden, int batch, int steps, Activation activation, Clipping clipping,
                         boolean biases, CellType cell, int layers) {

    /** A one-layer Elman configuration. */
    public StepConfig(int vocab, int hidden, int batch, int steps, Activation activation, Clipping clipping,
                      boolean biases) {
        this(vocab, hidden, batch, steps, activation, clipping, biases, CellType.ELMAN, 1);
    }

    /** A one-layer configuration of the given cell. */
    public StepConfig(int vocab, int hidden, int batch, int steps, Activation activation, Clipping clipping,
                      boolean biases, CellType cell) {
        this(vocab, hidden, batch, steps, activation, clipping, biases, cell, 1);
    }

    public StepConfig {
        if (vocab < 1 || hidden < 1 || batch < 1 || steps < 1) {
            throw new IllegalArgumentException("V, H, B and T must be at least 1, got V=" + vocab + " H=" + hidden
                    + " B=" + batch + " T=" + steps);
        }
    }

    /** The same configuration with another cell. */
    public StepConfig withCell(CellType c) {
        return new StepConfig(vocab, hidden, batch, steps, activation, clipping, biases, c, layers);
    }

    /** Tokens per training step: B·T. */
    public long tokens() {
        return (long) batch * steps;
    }

    /**
     * Model FLOPs of one training step, 6·H·(G·H·(2L−1)+V)·B·T with G the cell's gate count (1, 4, 3)
     * and L the layers (each layer above the first adds its G·H×H input product):
     * forward, and backward for activations and weights, of the recurrent (G·H×H) and output (V×H)
     * products, two FLOPs per multiply-add. The input gather, element-wise work and the softmax are
     * not counted.
     */
    public double flopsPerStep() {
        // Layers above the first add their H×G·H input products to the recurrent ones.
        return 6.0 * hidden * (cell.gates() * (double) hidden * (2 * layers - 1) + vocab) * batch * steps;
    }

    /** A short label, e.g. {@code V65-H128-B50-T50} ({@code LSTM-…} for gated cells). */
    public String label() {
        return (cell == CellType.ELMAN ? "" : cell + "-") + (layers > 1 ? "L" + layers + "-" : "") + "V" + vocab + "-H" + hidden + "-B" + batch + "-T" + steps;
    }
}

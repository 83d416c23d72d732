package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.train.Clipping;

/**
 * One benchmark configuration: a token-input Elman RNN (V vocabulary, H hidden) trained on
 * batches of B sequences of T steps with softmax cross-entropy (summed), the given clipping and
 * plain SGD, the model PyTorch's comparison script builds.
 */
public record StepConfig(int vocab, int hidden, int batch, int steps, Activation activation, Clipping clipping,
                         boolean biases) {

    public StepConfig {
        if (vocab < 1 || hidden < 1 || batch < 1 || steps < 1) {
            throw new IllegalArgumentException("V, H, B and T must be at least 1, got V=" + vocab + " H=" + hidden
                    + " B=" + batch + " T=" + steps);
        }
    }

    /** Tokens per training step: B·T. */
    public long tokens() {
        return (long) batch * steps;
    }

    /**
     * Model FLOPs of one training step, 6·H·(H+V)·B·T: forward, and backward for activations and
     * weights, of the recurrent (H×H) and output (V×H) products, two FLOPs per multiply-add. The
     * input gather, element-wise work and the softmax are not counted.
     */
    public double flopsPerStep() {
        return 6.0 * hidden * (hidden + (double) vocab) * batch * steps;
    }

    /** A short label, e.g. {@code V65-H128-B50-T50}. */
    public String label() {
        return "V" + vocab + "-H" + hidden + "-B" + batch + "-T" + steps;
    }
}

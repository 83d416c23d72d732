package io.rnn4j.diagnostics;

import io.rnn4j.backend.Activation;

/**
 * Per-step fractions of saturated units (|h| &gt; 0.99 for tanh; h &lt; 0.01 or &gt; 0.99 for the
 * logistic) or dead units (s ≤ 0 for ReLU and PReLU), from the hidden states and pre-activations
 * of one batch (time-major, T·B × H).
 *
 * @param saturated {@code saturated[t]}: fraction of the B·H units of step t that are saturated
 *     (tanh, logistic) or dead (ReLU, PReLU); 0 for the identity
 */
public record ActivationStats(double[] saturated) {

    /**
     * Computes the fractions from host copies of the states.
     *
     * @param f the activation
     * @param pre the pre-activations, time-major {@code T·B × H}
     * @param hidden the hidden states, time-major {@code T·B × H}
     * @param batch B
     * @param steps T
     * @param h H
     * @return the fractions per step
     */
    public static ActivationStats of(Activation f, float[] pre, float[] hidden, int batch, int steps, int h) {
        double[] out = new double[steps];
        int per = batch * h;
        for (int t = 0; t < steps; t++) {
            int count = 0;
            for (int i = t * per; i < (t + 1) * per; i++) {
                boolean hit = switch (f) {
                    case TANH -> Math.abs(hidden[i]) > 0.99f;
                    case LOGISTIC -> hidden[i] < 0.01f || hidden[i] > 0.99f;
                    case RELU, PRELU -> !(pre[i] > 0f);
                    case IDENTITY -> false;
                };
                if (hit) {
                    count++;
                }
            }
            out[t] = count / (double) per;
        }
        return new ActivationStats(out);
    }

    /** {@return the mean fraction over all steps} */
    public double mean() {
        double s = 0;
        for (double v : saturated) {
            s += v;
        }
        return saturated.length == 0 ? 0 : s / saturated.length;
    }
}

package io.rnn4j.diagnostics;

import java.util.Arrays;
import java.util.Map;

/**
 * The gradient flow of one training step, recorded inside the backward sweep (one host read per
 * step, none per time step). Norms are over the whole batch (the L2 norm of the stacked
 * per-sequence vectors).
 *
 * @param dh {@code dh[t] = ‖∂E/∂h_t‖}, t = 0..T−1: the full gradient reaching h_t (from the head at
 *     step t and from every later step)
 * @param delta {@code delta[t] = ‖δ_t‖ = ‖∂E/∂s_t‖ = ‖f'(s_t) ⊙ ∂E/∂h_t‖}
 * @param parameterNorms the pre-clip gradient norm of each parameter, by name
 */
public record GradientFlow(double[] dh, double[] delta, Map<String, Double> parameterNorms) {

    /** {@return number of time steps} */
    public int steps() {
        return dh.length;
    }

    /**
     * The fitted per-step decay rate of ‖∂E/∂h_k‖ going back from the last step: the slope of
     * {@code ln dh[k]} against {@code T−1−k} by least squares over the steps where the norm is
     * positive. A value of −0.1 means the gradient shrinks by e^−0.1 ≈ 0.905 per step back.
     *
     * @return the rate
     */
    public double decayRatePerStep() {
        return decayRate(dh);
    }

    /**
     * Least-squares slope of ln(norm) against the lag (T−1−k); NaN when fewer than two positive points.
     *
     * @param norms norms by distance
     * @return the fitted rate per step
     */
    public static double decayRate(double[] norms) {
        int n = norms.length;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        int m = 0;
        for (int k = 0; k < n; k++) {
            if (norms[k] > 0 && Double.isFinite(norms[k])) {
                double x = n - 1 - k;
                double y = Math.log(norms[k]);
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
                m++;
            }
        }
        if (m < 2) {
            return Double.NaN;
        }
        return (m * sxy - sx * sy) / (m * sxx - sx * sx);
    }

    @Override
    public String toString() {
        return "GradientFlow[dh=" + Arrays.toString(dh) + ", delta=" + Arrays.toString(delta) + "]";
    }
}

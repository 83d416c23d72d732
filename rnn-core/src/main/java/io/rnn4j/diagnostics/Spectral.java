package io.rnn4j.diagnostics;

import io.rnn4j.backend.Activation;
import java.util.SplittableRandom;

/**
 * Spectral quantities of the recurrence, in double on the host: the largest singular value and
 * the spectral radius of U, and the Jacobian product
 * {@code ∂h_t/∂h_k = Π_{i=k+1..t} diag f'(s_i) U} against the lag t − k.
 */
public final class Spectral {
    private Spectral() {
    }

    /**
     * The largest singular value ‖A‖₂ of an n×n row-major matrix, by power iteration on AᵀA.
     *
     * @param a the matrix, {@code n·n} values
     * @param n its size
     * @return ‖A‖₂
     */
    public static double largestSingularValue(double[] a, int n) {
        SplittableRandom r = new SplittableRandom(12345);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble() - 0.5;
        }
        normalize(v);
        double sigma = 0;
        double[] av = new double[n];
        for (int it = 0; it < 500; it++) {
            mul(a, v, av, n);
            double[] w = mulT(a, av, n);
            double norm = normalize(w);
            double next = Math.sqrt(norm);
            v = w;
            if (Math.abs(next - sigma) <= 1e-12 * Math.max(1, next)) {
                sigma = next;
                break;
            }
            sigma = next;
        }
        return sigma;
    }

    /**
     * The spectral radius ρ(A) = max |λ| by Gelfand's formula, ρ = lim ‖Aᵏv‖^{1/k}: the average
     * log growth of a repeatedly multiplied vector over iterations 200..600, which converges also
     * when the dominant eigenvalues are a complex pair.
     *
     * @param a the matrix, {@code n·n} values
     * @param n its size
     * @return ρ(A)
     */
    public static double spectralRadius(double[] a, int n) {
        SplittableRandom r = new SplittableRandom(54321);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble() - 0.5;
        }
        normalize(v);
        double[] w = new double[n];
        double logSum = 0;
        int counted = 0;
        for (int it = 0; it < 600; it++) {
            mul(a, v, w, n);
            double norm = normalize(w);
            if (norm == 0) {
                return 0;
            }
            if (it >= 200) {
                logSum += Math.log(norm);
                counted++;
            }
            double[] t = v;
            v = w;
            w = t;
        }
        return Math.exp(logSum / counted);
    }

    /**
     * ‖∂h_t/∂h_k‖₂ for k = t−1, t−2, …, 0 (index {@code lag − 1} holds lag t − k), for one
     * sequence: {@code pre[i]} are the pre-activations s_i (H values) of steps 0..t, {@code u} is U
     * (H×H row-major, s = U h + …), {@code slope} the PReLU slopes (or null). Builds the product
     * matrix one factor at a time (H³ per lag) and takes each spectral norm by power iteration.
     *
     * @param u U, {@code h·h} values
     * @param h H
     * @param f the activation
     * @param pre the pre-activations of steps 0..t
     * @param slope the PReLU slopes, or null
     * @param t the last step
     * @return t norms, by lag
     */
    public static double[] jacobianNorms(double[] u, int h, Activation f, double[][] pre, double[] slope, int t) {
        double[] m = identity(h);
        double[] next = new double[h * h];
        double[] norms = new double[t];
        for (int lag = 1; lag <= t; lag++) {
            int i = t - lag + 1; // the factor diag f'(s_i) U joins on the right
            double[] d = derivative(f, pre[i], slope);
            // M ← M · diag(d) · U
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < h; c++) {
                    double acc = 0;
                    for (int k = 0; k < h; k++) {
                        acc += m[r * h + k] * d[k] * u[k * h + c];
                    }
                    next[r * h + c] = acc;
                }
            }
            double[] tmp = m;
            m = next;
            next = tmp;
            norms[lag - 1] = largestSingularValue(m, h);
        }
        return norms;
    }

    /**
     * f'(s) for a vector of pre-activations.
     *
     * @param f the activation
     * @param s the pre-activations
     * @param slope the PReLU slopes, or null
     * @return f'(s), element-wise
     */
    public static double[] derivative(Activation f, double[] s, double[] slope) {
        double[] d = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = switch (f) {
                case TANH -> 1 - Math.tanh(s[i]) * Math.tanh(s[i]);
                case LOGISTIC -> {
                    double y = 1 / (1 + Math.exp(-s[i]));
                    yield y * (1 - y);
                }
                case RELU -> s[i] > 0 ? 1 : 0;
                case PRELU -> s[i] > 0 ? 1 : slope[i];
                case IDENTITY -> 1;
            };
        }
        return d;
    }

    private static double[] identity(int h) {
        double[] m = new double[h * h];
        for (int i = 0; i < h; i++) {
            m[i * h + i] = 1;
        }
        return m;
    }

    private static void mul(double[] a, double[] v, double[] out, int n) {
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int j = 0; j < n; j++) {
                acc += a[i * n + j] * v[j];
            }
            out[i] = acc;
        }
    }

    private static double[] mulT(double[] a, double[] v, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double vi = v[i];
            for (int j = 0; j < n; j++) {
                out[j] += a[i * n + j] * vi;
            }
        }
        return out;
    }

    private static double normalize(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        double n = Math.sqrt(s);
        if (n > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] /= n;
            }
        }
        return n;
    }
}

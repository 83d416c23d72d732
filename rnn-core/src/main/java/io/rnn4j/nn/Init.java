package io.rnn4j.nn;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A seeded weight initializer, chosen per weight matrix.
 *
 * @param kind the scheme
 * @param value its parameter: the gain for {@link Kind#ORTHOGONAL}, α for {@link Kind#IDENTITY},
 *     the standard deviation for {@link Kind#NORMAL}, the bound for {@link Kind#UNIFORM}; ignored
 *     otherwise
 */
public record Init(Kind kind, double value) {

    /** Initialization schemes. */
    public enum Kind {
        /** Uniform on ±1/√H with H the hidden size (the classic RNN default, as in PyTorch's nn.RNN). */
        UNIFORM_INV_SQRT_HIDDEN,
        /** Uniform on ±value. */
        UNIFORM,
        /** Glorot/Xavier uniform: ±√(6 / (fan_in + fan_out)). */
        GLOROT,
        /** A (semi-)orthogonal matrix times a gain. */
        ORTHOGONAL,
        /** α times the identity (IRNN: U = αI); square matrices only. */
        IDENTITY,
        /** Normal with mean 0 and the given standard deviation. */
        NORMAL,
        /** All zeros. */
        ZEROS
    }

    /**
     * Checks the components.
     *
     * @param kind the scheme
     * @param value its parameter: the gain for {@link Kind#ORTHOGONAL}, α for {@link Kind#IDENTITY},
     *     the standard deviation for {@link Kind#NORMAL}, the bound for {@link Kind#UNIFORM}; ignored
     *     otherwise
     */
    public Init {
        if (kind == null) {
            throw new IllegalArgumentException("initializer kind is null");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("initializer parameter must be finite, got " + value);
        }
        if ((kind == Kind.NORMAL || kind == Kind.UNIFORM) && value < 0) {
            throw new IllegalArgumentException(kind + " needs a non-negative parameter, got " + value);
        }
    }

    /** {@return uniform ±1/√H} */
    public static Init uniformInvSqrtHidden() {
        return new Init(Kind.UNIFORM_INV_SQRT_HIDDEN, 0);
    }

    /**
     * Uniform ±bound.
     *
     * @param bound the half-width, {@code ≥ 0}
     * @return the initializer
     */
    public static Init uniform(double bound) {
        return new Init(Kind.UNIFORM, bound);
    }

    /** {@return glorot/Xavier uniform} */
    public static Init glorot() {
        return new Init(Kind.GLOROT, 0);
    }

    /**
     * Orthogonal with gain.
     *
     * @param gain the factor applied to the orthogonal matrix
     * @return the initializer
     */
    public static Init orthogonal(double gain) {
        return new Init(Kind.ORTHOGONAL, gain);
    }

    /**
     * Scaled identity αI (IRNN).
     *
     * @param alpha the diagonal's value
     * @return the initializer
     */
    public static Init identity(double alpha) {
        return new Init(Kind.IDENTITY, alpha);
    }

    /**
     * Normal N(0, std²).
     *
     * @param std the standard deviation, {@code ≥ 0}
     * @return the initializer
     */
    public static Init normal(double std) {
        return new Init(Kind.NORMAL, std);
    }

    /** {@return zeros} */
    public static Init zeros() {
        return new Init(Kind.ZEROS, 0);
    }

    /**
     * Parses {@code uniform}, {@code uniform:0.1}, {@code glorot} (or {@code xavier}),
     * {@code orthogonal[:gain]}, {@code identity[:alpha]}, {@code normal:std}, {@code zeros}.
     *
     * @param spec the text form
     * @return the initializer
     */
    public static Init parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        String name = s;
        Double arg = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            name = s.substring(0, colon);
            try {
                arg = Double.parseDouble(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad initializer parameter in '" + spec + "'");
            }
        }
        switch (name) {
            case "uniform": return arg == null ? uniformInvSqrtHidden() : uniform(arg);
            case "glorot":
            case "xavier": return glorot();
            case "orthogonal": return orthogonal(arg == null ? 1.0 : arg);
            case "identity":
            case "irnn": return identity(arg == null ? 1.0 : arg);
            case "normal":
                if (arg == null) {
                    throw new IllegalArgumentException("normal initializer needs a std, e.g. normal:0.01");
                }
                return normal(arg);
            case "zeros": return zeros();
            default:
                throw new IllegalArgumentException("unknown initializer '" + spec
                        + "' (expected uniform[:bound], glorot, orthogonal[:gain], identity[:alpha], normal:std, zeros)");
        }
    }

    /**
     * Fills a {@code rows × cols} row-major matrix.
     *
     * @param rows the matrix's rows
     * @param cols the matrix's columns
     * @param hidden the model's hidden size (for {@link Kind#UNIFORM_INV_SQRT_HIDDEN})
     * @param fanIn inputs per unit (for {@link Kind#GLOROT})
     * @param fanOut outputs per unit (for {@link Kind#GLOROT})
     * @param rng the generator
     * @return {@code rows·cols} values, row-major
     */
    public float[] fill(int rows, int cols, int hidden, int fanIn, int fanOut, SplittableRandom rng) {
        float[] w = new float[Math.multiplyExact(rows, cols)];
        switch (kind) {
            case UNIFORM_INV_SQRT_HIDDEN -> uniformFill(w, 1.0 / Math.sqrt(hidden), rng);
            case UNIFORM -> uniformFill(w, value, rng);
            case GLOROT -> uniformFill(w, Math.sqrt(6.0 / (fanIn + fanOut)), rng);
            case NORMAL -> {
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (value * gaussian(rng));
                }
            }
            case IDENTITY -> {
                if (rows != cols) {
                    throw new IllegalArgumentException("identity initializer needs a square matrix, got " + rows + "x" + cols);
                }
                for (int i = 0; i < rows; i++) {
                    w[i * cols + i] = (float) value;
                }
            }
            case ORTHOGONAL -> orthogonalFill(w, rows, cols, value, rng);
            case ZEROS -> {
            }
            default -> throw new IllegalStateException("unhandled " + kind);
        }
        return w;
    }

    private static void uniformFill(float[] w, double bound, SplittableRandom rng) {
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
    }

    /** Standard normal by Box–Muller (deterministic for a seeded generator on every JVM). */
    static double gaussian(SplittableRandom rng) {
        double u1;
        do {
            u1 = rng.nextDouble();
        } while (u1 <= 0);
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * Orthonormal rows (rows ≤ cols) or columns (rows > cols) by modified Gram–Schmidt, applied
     * twice, to a Gaussian matrix; then times the gain.
     */
    private static void orthogonalFill(float[] w, int rows, int cols, double gain, SplittableRandom rng) {
        boolean byRows = rows <= cols;
        int count = byRows ? rows : cols;
        int len = byRows ? cols : rows;
        double[][] v = new double[count][len];
        for (double[] vec : v) {
            for (int j = 0; j < len; j++) {
                vec[j] = gaussian(rng);
            }
        }
        for (int i = 0; i < count; i++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int p = 0; p < i; p++) {
                    double dot = 0;
                    for (int j = 0; j < len; j++) {
                        dot += v[i][j] * v[p][j];
                    }
                    for (int j = 0; j < len; j++) {
                        v[i][j] -= dot * v[p][j];
                    }
                }
            }
            double norm = 0;
            for (int j = 0; j < len; j++) {
                norm += v[i][j] * v[i][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < len; j++) {
                v[i][j] /= norm;
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = (float) (gain * (byRows ? v[r][c] : v[c][r]));
            }
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case UNIFORM_INV_SQRT_HIDDEN -> "uniform(±1/√H)";
            case UNIFORM -> "uniform(±" + value + ")";
            case GLOROT -> "glorot";
            case ORTHOGONAL -> "orthogonal(gain " + value + ")";
            case IDENTITY -> "identity(α " + value + ")";
            case NORMAL -> "normal(std " + value + ")";
            case ZEROS -> "zeros";
        };
    }
}

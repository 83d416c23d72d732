package io.rnn4j.train;

import java.util.Locale;

/**
 * Gradient clipping applied before the optimizer update.
 *
 * @param mode none, global L2 norm, or element-wise value
 * @param threshold θ for {@link Mode#GLOBAL_NORM} (scale every gradient by θ/‖g‖ when ‖g‖ ≥ θ,
 *     one norm over all parameters, direction kept) or c for {@link Mode#VALUE} (clamp each
 *     element to [−c, c]); ignored for {@link Mode#NONE}
 */
public record Clipping(Mode mode, float threshold) {

    /** Clipping modes. */
    public enum Mode {
        /** No clipping. */
        NONE,
        /** Scale the whole gradient by θ/‖g‖ when ‖g‖ ≥ θ. */
        GLOBAL_NORM,
        /** Clamp each element to {@code [−c, c]}. */
        VALUE
    }

    /**
     * Checks the components.
     *
     * @param mode none, global L2 norm, or element-wise value
     * @param threshold θ for {@link Mode#GLOBAL_NORM} (scale every gradient by θ/‖g‖ when ‖g‖ ≥ θ,
     *     one norm over all parameters, direction kept) or c for {@link Mode#VALUE} (clamp each
     *     element to [−c, c]); ignored for {@link Mode#NONE}
     */
    public Clipping {
        if (mode == null) {
            throw new IllegalArgumentException("clipping mode is null");
        }
        if (mode != Mode.NONE && !(threshold > 0 && Float.isFinite(threshold))) {
            throw new IllegalArgumentException("clipping threshold must be a positive finite number, got " + threshold);
        }
    }

    /** {@return no clipping} */
    public static Clipping none() {
        return new Clipping(Mode.NONE, Float.POSITIVE_INFINITY);
    }

    /**
     * Global L2-norm clipping at θ.
     *
     * @param theta θ, positive and finite
     * @return the clipping
     */
    public static Clipping globalNorm(double theta) {
        return new Clipping(Mode.GLOBAL_NORM, (float) theta);
    }

    /**
     * Element-wise clipping to [−c, c].
     *
     * @param c the bound, positive and finite
     * @return the clipping
     */
    public static Clipping value(double c) {
        return new Clipping(Mode.VALUE, (float) c);
    }

    /**
     * Parses {@code none}, {@code global:θ} (or {@code norm:θ}), {@code value:c}.
     *
     * @param spec {@code none}, {@code global:θ} or {@code value:c}
     * @return the clipping
     */
    public static Clipping parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("none")) {
            return none();
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("bad clipping '" + spec + "' (expected none, global:θ or value:c)");
        }
        double v;
        try {
            v = Double.parseDouble(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad clipping threshold in '" + spec + "'");
        }
        return switch (s.substring(0, colon)) {
            case "global", "norm", "global-norm" -> globalNorm(v);
            case "value", "elementwise" -> value(v);
            default -> throw new IllegalArgumentException("bad clipping '" + spec + "' (expected none, global:θ or value:c)");
        };
    }

    @Override
    public String toString() {
        return switch (mode) {
            case NONE -> "none";
            case GLOBAL_NORM -> "global:" + threshold;
            case VALUE -> "value:" + threshold;
        };
    }
}

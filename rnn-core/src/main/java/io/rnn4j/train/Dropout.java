package io.rnn4j.train;

import java.util.Locale;

/**
 * Dropout while training (never in {@link Trainer#evaluate} or in sampling): each kept value is
 * scaled by {@code 1 / (1 − p)} so that nothing changes in expectation.
 * <ul>
 *   <li>{@link #standard(double)}: as PyTorch's {@code dropout=p} on the outputs of every layer that
 *       feed the next layer and, unlike PyTorch's RNN modules (as Zaremba et al. 2014), also on the
 *       top layer's output before the head; a fresh mask for every element of every step.</li>
 *   <li>{@link #variational(double)} (Gal &amp; Ghahramani 2016): the same places and, for dense
 *       inputs, the input features of layer 0; one mask per sequence, reused at every step (the
 *       recurrent connections themselves are never dropped).</li>
 * </ul>
 * The masks come from a counter-based generator keyed by {@code seed}, the update count, the layer
 * and the place, so a run is reproducible and the same on every backend.
 *
 * @param kind none, standard or variational
 * @param p the probability of dropping a value, in {@code [0, 1)}
 * @param seed the masks' seed
 */
public record Dropout(Kind kind, float p, long seed) {

    /** Where and how masks are drawn. */
    public enum Kind {
        /** No dropout. */
        NONE,
        /** A fresh mask for every element of every step. */
        STANDARD,
        /** One mask per sequence, reused at every step. */
        VARIATIONAL
    }

    /**
     * Checks the arguments.
     *
     * @param kind none, standard or variational
     * @param p the probability of dropping a value, in {@code [0, 1)}
     * @param seed the masks' seed
     */
    public Dropout {
        if (kind == null) {
            throw new IllegalArgumentException("dropout kind is null");
        }
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        if (kind == Kind.NONE) {
            p = 0f;
        }
    }

    /** {@return no dropout} */
    public static Dropout none() {
        return new Dropout(Kind.NONE, 0f, 0);
    }

    /**
     * Standard dropout with probability {@code p} (seed 1).
     *
     * @param p the probability of dropping a value, in {@code [0, 1)}
     * @return the dropout
     */
    public static Dropout standard(double p) {
        return new Dropout(Kind.STANDARD, (float) p, 1);
    }

    /**
     * Variational dropout with probability {@code p} (seed 1).
     *
     * @param p the probability of dropping a value, in {@code [0, 1)}
     * @return the dropout
     */
    public static Dropout variational(double p) {
        return new Dropout(Kind.VARIATIONAL, (float) p, 1);
    }

    /**
     * A copy with another seed.
     *
     * @param s the seed
     * @return the copy
     */
    public Dropout withSeed(long s) {
        return new Dropout(kind, p, s);
    }

    /** {@return whether any mask is drawn} */
    public boolean active() {
        return kind != Kind.NONE && p > 0;
    }

    /**
     * Parses {@code none}, {@code P} or {@code standard:P}, {@code variational:P}.
     *
     * @param text the text form
     * @return the dropout
     */
    public static Dropout parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.equals("none") || s.equals("0")) {
                return none();
            }
            if (s.startsWith("variational:")) {
                return variational(Double.parseDouble(s.substring(12)));
            }
            if (s.startsWith("standard:")) {
                return standard(Double.parseDouble(s.substring(9)));
            }
            return standard(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad dropout '" + text + "' (expected none, P, standard:P or variational:P)");
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case STANDARD -> "standard:" + p;
            case VARIATIONAL -> "variational:" + p;
        };
    }
}

package io.rnn4j.train;

import java.util.Locale;

/**
 * A term added to the training objective beyond the loss. One kind so far:
 * {@link #omega(double)}, Pascanu, Mikolov &amp; Bengio's vanishing-gradient regularizer (ICML 2013,
 * eq. 9) for the Elman cell,
 * <pre>
 *   Ω = mean over (sequence, k) of ( ‖δ_{k+1} U ⊙ f'(s_k)‖ / ‖δ_{k+1}‖ − 1 )²,   δ_{k+1} = ∂E/∂s_{k+1}
 * </pre>
 * over every pair of consecutive steps inside each sequence (its length) and every layer (summed
 * over layers): it pushes each backward step of the recurrence to preserve the norm of the gradient,
 * so that it neither vanishes nor explodes. The objective becomes {@code E + λ Ω}. Its gradient is the
 * paper's approximation: {@code ∂E/∂s_{k+1}} and {@code s_k} are held constant, so that only the
 * explicit {@code U} is differentiated, {@code ∂⁺Ω/∂U}; the other parameters' gradients are the
 * loss's. The value of Ω is in {@link StepResult#regularizer()}.
 *
 * @param kind none or Ω
 * @param weight λ {@code ≥ 0}, finite
 */
public record Regularizer(Kind kind, float weight) {

    /** The regularizer's kind. */
    public enum Kind {
        /** No regularizer. */
        NONE,
        /** Pascanu et al.'s Ω. */
        OMEGA
    }

    /**
     * Checks the components.
     *
     * @param kind none or Ω
     * @param weight λ {@code ≥ 0}, finite
     */
    public Regularizer {
        if (kind == null) {
            throw new IllegalArgumentException("regularizer kind is null");
        }
        if (!(weight >= 0) || Float.isInfinite(weight)) {
            throw new IllegalArgumentException("regularizer weight must be >= 0 and finite, got " + weight);
        }
        if (kind == Kind.NONE) {
            weight = 0f;
        }
    }

    /** {@return no regularizer} */
    public static Regularizer none() {
        return new Regularizer(Kind.NONE, 0f);
    }

    /**
     * Pascanu et al.'s Ω with weight λ.
     *
     * @param lambda λ {@code ≥ 0}
     * @return the regularizer
     */
    public static Regularizer omega(double lambda) {
        return new Regularizer(Kind.OMEGA, (float) lambda);
    }

    /** {@return whether a term is added (a kind other than none, with λ &gt; 0)} */
    public boolean active() {
        return kind != Kind.NONE && weight > 0;
    }

    /**
     * Parses {@code none} or {@code omega:λ}.
     *
     * @param text the text form
     * @return the regularizer
     */
    public static Regularizer parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.equals("none")) {
                return none();
            }
            if (s.startsWith("omega:")) {
                return omega(Double.parseDouble(s.substring(6)));
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("bad regularizer '" + text + "' (expected none or omega:LAMBDA)");
    }

    @Override
    public String toString() {
        return kind == Kind.NONE ? "none" : "omega:" + weight;
    }
}

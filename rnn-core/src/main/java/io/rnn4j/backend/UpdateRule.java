package io.rnn4j.backend;

/**
 * The hyper-parameters of one fused optimizer update, as passed to
 * {@link Backend#optimizerUpdate}: the one definition of every optimizer field, validated here.
 * Built by the optimizer configuration in the training package; backends only read it.
 *
 * <p>Every rule starts from {@code g = clamp(scale · ∇, −c, c)} (no clamp when {@code clipValue} is
 * infinite; a NaN stays NaN), then, with weight decay λ and the 1-based step t, element-wise, as
 * PyTorch's {@code torch.optim} writes them:
 * <ul>
 *   <li>{@link Kind#SGD}: {@code g += λ p}; with momentum μ: {@code b = μ b + g} and
 *       {@code g = nesterov ? g + μ b : b}; then {@code p −= lr g} (state: b when μ ≠ 0).</li>
 *   <li>{@link Kind#ADAGRAD}: {@code g += λ p}; {@code s += g²} (s starts at
 *       {@code initialAccumulator}); {@code p −= lr g / (√s + ε)} (state: s).</li>
 *   <li>{@link Kind#RMSPROP}: {@code g += λ p}; {@code v = α v + (1 − α) g²} (α is {@code rho});
 *       centered: {@code ḡ = α ḡ + (1 − α) g} and {@code d = √(v − ḡ²) + ε}, else {@code d = √v + ε};
 *       with momentum: {@code b = μ b + g / d}, {@code p −= lr b}; else {@code p −= lr g / d}
 *       (states, in this order: v; b when μ ≠ 0; ḡ when centered).</li>
 *   <li>{@link Kind#ADAM}: {@code g += λ p} (L2); {@code m = β1 m + (1 − β1) g},
 *       {@code v = β2 v + (1 − β2) g²}, {@code p −= lr (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)}
 *       (states: m, v).</li>
 *   <li>{@link Kind#ADAMW}: decoupled weight decay (Loshchilov &amp; Hutter): {@code p −= lr λ p}
 *       first, then the Adam update of the undecayed {@code g} (states: m, v).</li>
 * </ul>
 *
 * @param kind the rule
 * @param learningRate {@code lr > 0}
 * @param momentum μ in {@code [0, 1)}: SGD's and RMSProp's momentum
 * @param rho RMSProp's smoothing constant α in {@code [0, 1)}
 * @param beta1 Adam's β1 in {@code [0, 1)}
 * @param beta2 Adam's β2 in {@code [0, 1)}
 * @param epsilon ε {@code > 0} of Adagrad, RMSProp and Adam (added to the root, as in PyTorch)
 * @param weightDecay λ {@code ≥ 0}: L2 (added to the gradient) for every kind but AdamW, decoupled for AdamW
 * @param nesterov Nesterov momentum (SGD with μ &gt; 0 only)
 * @param centered RMSProp's centered variant (divides by the estimated standard deviation)
 * @param initialAccumulator Adagrad's starting value of s, {@code ≥ 0}
 * @param clipValue element-wise clip bound {@code c > 0}, or {@link Float#POSITIVE_INFINITY} for none
 */
public record UpdateRule(Kind kind, float learningRate, float momentum, float rho, float beta1, float beta2,
                         float epsilon, float weightDecay, boolean nesterov, boolean centered,
                         float initialAccumulator, float clipValue) {

    /** The optimizer family. */
    public enum Kind {
        /** Stochastic gradient descent, optionally with (Nesterov) momentum. */
        SGD,
        /** Adagrad. */
        ADAGRAD,
        /** RMSProp, optionally centered and with momentum. */
        RMSPROP,
        /** Adam with L2 weight decay. */
        ADAM,
        /** Adam with decoupled weight decay (Loshchilov &amp; Hutter). */
        ADAMW
    }

    /**
     * Validates every field; messages name the field and the value.
     *
     * @param kind the rule
     * @param learningRate {@code lr ≥ 0}: 0 where a schedule has decayed to nothing (the update then moves
     *     no parameter; the optimizer's state still advances); an optimizer's base rate is positive
     *     ({@code OptimizerConfig})
     * @param momentum μ in {@code [0, 1)}: SGD's and RMSProp's momentum
     * @param rho RMSProp's smoothing constant α in {@code [0, 1)}
     * @param beta1 Adam's β1 in {@code [0, 1)}
     * @param beta2 Adam's β2 in {@code [0, 1)}
     * @param epsilon ε {@code > 0} of Adagrad, RMSProp and Adam (added to the root, as in PyTorch)
     * @param weightDecay λ {@code ≥ 0}: L2 (added to the gradient) for every kind but AdamW, decoupled for AdamW
     * @param nesterov Nesterov momentum (SGD with μ &gt; 0 only)
     * @param centered RMSProp's centered variant (divides by the estimated standard deviation)
     * @param initialAccumulator Adagrad's starting value of s, {@code ≥ 0}
     * @param clipValue element-wise clip bound {@code c > 0}, or {@link Float#POSITIVE_INFINITY} for none
     */
    public UpdateRule {
        if (kind == null) {
            throw new IllegalArgumentException("optimizer kind is null");
        }
        if (!(learningRate >= 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number >= 0, got " + learningRate);
        }
        checkUnit("momentum", momentum);
        checkUnit("rho", rho);
        checkUnit("beta1", beta1);
        checkUnit("beta2", beta2);
        if (!(epsilon > 0) || Float.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a positive finite number, got " + epsilon);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weight decay must be >= 0 and finite, got " + weightDecay);
        }
        if (nesterov && (kind != Kind.SGD || momentum == 0f)) {
            throw new IllegalArgumentException("Nesterov momentum needs SGD with a momentum above 0");
        }
        if (centered && kind != Kind.RMSPROP) {
            throw new IllegalArgumentException("centered is an RMSProp option, not " + kind);
        }
        if (!(initialAccumulator >= 0) || Float.isInfinite(initialAccumulator)) {
            throw new IllegalArgumentException("initial accumulator must be >= 0 and finite, got " + initialAccumulator);
        }
        if (!(clipValue > 0)) {
            throw new IllegalArgumentException("clip value must be > 0 (or +Infinity for none), got " + clipValue);
        }
    }

    private static void checkUnit(String name, float v) {
        if (!(v >= 0f && v < 1f)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
        }
    }

    /**
     * How many state arenas (0 to 3) the rule reads and writes, in the order the class comment
     * lists them.
     *
     * @return SGD: 1 with momentum, else 0; Adagrad 1; RMSProp 1 + (momentum) + (centered); Adam and AdamW 2
     */
    public int stateTensors() {
        return switch (kind) {
            case SGD -> momentum != 0f ? 1 : 0;
            case ADAGRAD -> 1;
            case RMSPROP -> 1 + (momentum != 0f ? 1 : 0) + (centered ? 1 : 0);
            case ADAM, ADAMW -> 2;
        };
    }

    /**
     * The value state arena {@code index} starts at: Adagrad's initial accumulator, else 0.
     *
     * @param index a state arena, below {@link #stateTensors()}
     * @return its initial value
     */
    public float initialState(int index) {
        return kind == Kind.ADAGRAD && index == 0 ? initialAccumulator : 0f;
    }

    /**
     * The rule of {@code kind} at learning rate {@code lr} with PyTorch's defaults for the rest:
     * momentum 0, α = 0.99, β = (0.9, 0.999), ε = 1e-8 (Adagrad 1e-10), weight decay 0 (AdamW
     * 0.01), no Nesterov, not centered, initial accumulator 0, no element-wise clipping.
     *
     * @param kind the family
     * @param lr the learning rate
     * @return the rule
     */
    public static UpdateRule defaults(Kind kind, float lr) {
        return new UpdateRule(kind, lr, 0f, 0.99f, 0.9f, 0.999f, kind == Kind.ADAGRAD ? 1e-10f : 1e-8f,
                kind == Kind.ADAMW ? 0.01f : 0f, false, false, 0f, Float.POSITIVE_INFINITY);
    }

    /**
     * A copy with another element-wise clip bound.
     *
     * @param c the bound, or +∞
     * @return the copy
     */
    public UpdateRule withClipValue(float c) {
        return c == clipValue ? this : new UpdateRule(kind, learningRate, momentum, rho, beta1, beta2, epsilon,
                weightDecay, nesterov, centered, initialAccumulator, c);
    }

    /**
     * A copy with another learning rate (a schedule's value for one step).
     *
     * @param lr the learning rate
     * @return the copy
     */
    public UpdateRule withLearningRate(float lr) {
        return lr == learningRate ? this : new UpdateRule(kind, lr, momentum, rho, beta1, beta2, epsilon, weightDecay,
                nesterov, centered, initialAccumulator, clipValue);
    }
}

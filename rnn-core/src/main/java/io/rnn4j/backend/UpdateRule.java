package io.rnn4j.backend;

/**
 * The hyper-parameters of one fused optimizer update, as passed to
 * {@link Backend#optimizerUpdate}. Built by the optimizer configuration in the training package;
 * backends only read it.
 *
 * <p>With {@code g' = clamp(scale · g, −clipValue, clipValue)} (no clamp when {@code clipValue} is
 * infinite) the rules are, element-wise:
 * <ul>
 *   <li>{@link Kind#SGD}: {@code momentum == 0}: {@code p −= lr g'}; else {@code m = μ m + g'},
 *       {@code p −= lr m} (state1 = m).</li>
 *   <li>{@link Kind#ADAGRAD}: {@code a += g'²}, {@code p −= lr g' / (√a + ε)} (state1 = a).</li>
 *   <li>{@link Kind#RMSPROP}: {@code v = ρ v + (1 − ρ) g'²}, {@code p −= lr g' / (√v + ε)} (state1 = v).</li>
 *   <li>{@link Kind#ADAM}: {@code m = β1 m + (1 − β1) g'}, {@code v = β2 v + (1 − β2) g'²},
 *       {@code p −= lr (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)} with {@code t} the 1-based step
 *       (state1 = m, state2 = v).</li>
 * </ul>
 *
 * @param kind the rule
 * @param learningRate {@code lr > 0}
 * @param momentum SGD momentum μ in {@code [0, 1)}
 * @param rho RMSProp decay ρ in {@code [0, 1)}
 * @param beta1 Adam β1 in {@code [0, 1)}
 * @param beta2 Adam β2 in {@code [0, 1)}
 * @param epsilon ε {@code > 0} for Adagrad, RMSProp, Adam
 * @param clipValue element-wise clip bound {@code c > 0}, or {@link Float#POSITIVE_INFINITY} for none
 */
public record UpdateRule(Kind kind, float learningRate, float momentum, float rho, float beta1,
                         float beta2, float epsilon, float clipValue) {

    /** The optimizer family. */
    public enum Kind {
        SGD(0), ADAGRAD(1), RMSPROP(1), ADAM(2);

        private final int stateTensors;

        Kind(int stateTensors) {
            this.stateTensors = stateTensors;
        }

        /** How many state arenas (0, 1 or 2) the rule reads and writes (SGD with momentum needs 1). */
        public int stateTensors(float momentum) {
            return this == SGD && momentum != 0f ? 1 : stateTensors;
        }
    }

    public UpdateRule {
        if (kind == null) {
            throw new IllegalArgumentException("optimizer kind is null");
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive finite number, got " + learningRate);
        }
        checkUnit("momentum", momentum);
        checkUnit("rho", rho);
        checkUnit("beta1", beta1);
        checkUnit("beta2", beta2);
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
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

    /** Number of optimizer state arenas this rule needs. */
    public int stateTensors() {
        return kind.stateTensors(momentum);
    }

    /**
     * The rule of {@code kind} at learning rate {@code lr} with PyTorch's defaults for the rest:
     * momentum 0, ρ = 0.99, β = (0.9, 0.999), ε = 1e-8, no element-wise clipping.
     */
    public static UpdateRule defaults(Kind kind, float lr) {
        return new UpdateRule(kind, lr, 0f, 0.99f, 0.9f, 0.999f, 1e-8f, Float.POSITIVE_INFINITY);
    }

    /** A copy with another element-wise clip bound. */
    public UpdateRule withClipValue(float c) {
        return new UpdateRule(kind, learningRate, momentum, rho, beta1, beta2, epsilon, c);
    }
}

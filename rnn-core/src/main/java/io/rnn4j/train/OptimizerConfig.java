package io.rnn4j.train;

import io.rnn4j.backend.UpdateRule;
import java.util.Locale;
import java.util.Objects;

/**
 * An optimizer and its hyper-parameters: one {@link UpdateRule}, the single definition of every
 * field, its validation and its update formula, which the backends read as it is. The factories
 * take PyTorch's defaults; the knobs return changed copies:
 *
 * <pre>
 *   OptimizerConfig.adamW(1e-3).weightDecay(0.05).betas(0.9, 0.98)
 *   OptimizerConfig.sgd(0.1).momentum(0.9).nesterov()
 *   OptimizerConfig.rmsprop(1e-3).alpha(0.9).momentum(0.9).centered()
 *   OptimizerConfig.adagrad(0.1).epsilon(1e-8).initialAccumulator(0.1)
 * </pre>
 *
 * The element-wise clip bound is the trainer's ({@link Clipping#value(double)}) and is set when the
 * trainer asks for {@link #rule(float)}.
 *
 * @param rule the update rule (its clip value is ignored: +∞ here)
 */
public record OptimizerConfig(UpdateRule rule) {

    /**
     * Keeps {@code rule} with no element-wise clipping of its own.
     *
     * @param rule the update rule (its clip value is ignored: +∞ here)
     */
    public OptimizerConfig {
        Objects.requireNonNull(rule, "rule");
        if (!(rule.learningRate() > 0)) {
            throw new IllegalArgumentException("learning rate must be a positive finite number, got "
                    + rule.learningRate());
        }
        rule = rule.withClipValue(Float.POSITIVE_INFINITY);
    }

    /**
     * Plain SGD (add {@link #momentum(double)} and {@link #nesterov()} as needed).
     *
     * @param lr the learning rate, positive and finite
     * @return the configuration
     */
    public static OptimizerConfig sgd(double lr) {
        return of(UpdateRule.Kind.SGD, lr);
    }

    /**
     * SGD with (heavy-ball) momentum.
     *
     * @param lr the learning rate, positive and finite
     * @param momentum μ in {@code [0, 1)}
     * @return the configuration
     */
    public static OptimizerConfig sgd(double lr, double momentum) {
        return sgd(lr).momentum(momentum);
    }

    /**
     * Adagrad, ε = 1e-10, initial accumulator 0 (PyTorch's defaults).
     *
     * @param lr the learning rate, positive and finite
     * @return the configuration
     */
    public static OptimizerConfig adagrad(double lr) {
        return of(UpdateRule.Kind.ADAGRAD, lr);
    }

    /**
     * RMSProp, α = 0.99, ε = 1e-8, no momentum, not centered (PyTorch's defaults).
     *
     * @param lr the learning rate, positive and finite
     * @return the configuration
     */
    public static OptimizerConfig rmsprop(double lr) {
        return of(UpdateRule.Kind.RMSPROP, lr);
    }

    /**
     * Adam, β = (0.9, 0.999), ε = 1e-8, no weight decay.
     *
     * @param lr the learning rate, positive and finite
     * @return the configuration
     */
    public static OptimizerConfig adam(double lr) {
        return of(UpdateRule.Kind.ADAM, lr);
    }

    /**
     * AdamW: Adam with decoupled weight decay 0.01 (PyTorch's default).
     *
     * @param lr the learning rate, positive and finite
     * @return the configuration
     */
    public static OptimizerConfig adamW(double lr) {
        return of(UpdateRule.Kind.ADAMW, lr);
    }

    private static OptimizerConfig of(UpdateRule.Kind kind, double lr) {
        return new OptimizerConfig(UpdateRule.defaults(kind, (float) lr));
    }

    /**
     * Parses a name with a learning rate: {@code sgd}, {@code momentum} (SGD with μ = 0.9),
     * {@code nesterov} (SGD with Nesterov momentum 0.9), {@code adagrad}, {@code rmsprop},
     * {@code adam}, {@code adamw}.
     *
     * @throws IllegalArgumentException for an unknown name or a bad learning rate
     * @param name the optimizer's name, as above
     * @param lr the learning rate
     * @return the configuration with PyTorch's defaults
     */
    public static OptimizerConfig parse(String name, double lr) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "sgd" -> sgd(lr);
            case "momentum" -> sgd(lr, 0.9);
            case "nesterov" -> sgd(lr, 0.9).nesterov();
            case "adagrad" -> adagrad(lr);
            case "rmsprop" -> rmsprop(lr);
            case "adam" -> adam(lr);
            case "adamw" -> adamW(lr);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "' (expected sgd, momentum, nesterov, adagrad, rmsprop, adam or adamw)");
        };
    }

    /** {@return the optimizer family} */
    public UpdateRule.Kind kind() {
        return rule.kind();
    }

    /** {@return the (base) learning rate} */
    public float learningRate() {
        return rule.learningRate();
    }

    /**
     * The backend update rule, with an element-wise clip bound (or +∞).
     *
     * @param clipValue the element-wise clip bound, or {@link Float#POSITIVE_INFINITY}
     * @return the rule the backend applies
     */
    public UpdateRule rule(float clipValue) {
        return rule.withClipValue(clipValue);
    }

    private OptimizerConfig with(float lr, float momentum, float rho, float beta1, float beta2, float epsilon,
                                 float weightDecay, boolean nesterov, boolean centered, float initialAccumulator) {
        return new OptimizerConfig(new UpdateRule(rule.kind(), lr, momentum, rho, beta1, beta2, epsilon, weightDecay,
                nesterov, centered, initialAccumulator, Float.POSITIVE_INFINITY));
    }

    /**
     * Another learning rate.
     *
     * @param lr the learning rate, positive and finite
     * @return a copy with it
     */
    public OptimizerConfig learningRate(double lr) {
        UpdateRule r = rule;
        return with((float) lr, r.momentum(), r.rho(), r.beta1(), r.beta2(), r.epsilon(), r.weightDecay(),
                r.nesterov(), r.centered(), r.initialAccumulator());
    }

    /**
     * Momentum μ (SGD, RMSProp).
     *
     * @param mu μ in {@code [0, 1)}
     * @return a copy with it
     */
    public OptimizerConfig momentum(double mu) {
        UpdateRule r = rule;
        return with(r.learningRate(), (float) mu, r.rho(), r.beta1(), r.beta2(), r.epsilon(), r.weightDecay(),
                r.nesterov(), r.centered(), r.initialAccumulator());
    }

    /** {@return a copy with Nesterov momentum (SGD with momentum)} */
    public OptimizerConfig nesterov() {
        UpdateRule r = rule;
        return with(r.learningRate(), r.momentum(), r.rho(), r.beta1(), r.beta2(), r.epsilon(), r.weightDecay(), true,
                r.centered(), r.initialAccumulator());
    }

    /**
     * RMSProp's smoothing constant α.
     *
     * @param alpha α in {@code [0, 1)} (default 0.99)
     * @return a copy with it
     */
    public OptimizerConfig alpha(double alpha) {
        UpdateRule r = rule;
        return with(r.learningRate(), r.momentum(), (float) alpha, r.beta1(), r.beta2(), r.epsilon(), r.weightDecay(),
                r.nesterov(), r.centered(), r.initialAccumulator());
    }

    /** {@return a copy with RMSProp's centered variant} */
    public OptimizerConfig centered() {
        UpdateRule r = rule;
        return with(r.learningRate(), r.momentum(), r.rho(), r.beta1(), r.beta2(), r.epsilon(), r.weightDecay(),
                r.nesterov(), true, r.initialAccumulator());
    }

    /**
     * Adam's (β1, β2).
     *
     * @param beta1 β1 in {@code [0, 1)} (default 0.9)
     * @param beta2 β2 in {@code [0, 1)} (default 0.999)
     * @return a copy with them
     */
    public OptimizerConfig betas(double beta1, double beta2) {
        UpdateRule r = rule;
        return with(r.learningRate(), r.momentum(), r.rho(), (float) beta1, (float) beta2, r.epsilon(),
                r.weightDecay(), r.nesterov(), r.centered(), r.initialAccumulator());
    }

    /**
     * ε of Adagrad, RMSProp and Adam.
     *
     * @param eps ε {@code > 0}, added to the root
     * @return a copy with it
     */
    public OptimizerConfig epsilon(double eps) {
        UpdateRule r = rule;
        return with(r.learningRate(), r.momentum(), r.rho(), r.beta1(), r.beta2(), (float) eps, r.weightDecay(),
                r.nesterov(), r.centered(), r.initialAccumulator());
    }

    /**
     * Weight decay λ: L2 for every kind but AdamW, decoupled for AdamW.
     *
     * @param lambda λ {@code ≥ 0}
     * @return a copy with it
     */
    public OptimizerConfig weightDecay(double lambda) {
        UpdateRule r = rule;
        return with(r.learningRate(), r.momentum(), r.rho(), r.beta1(), r.beta2(), r.epsilon(), (float) lambda,
                r.nesterov(), r.centered(), r.initialAccumulator());
    }

    /**
     * Adagrad's initial accumulator.
     *
     * @param value the starting value of Adagrad's sum of squares, {@code ≥ 0} (PyTorch's default 0)
     * @return a copy with it
     */
    public OptimizerConfig initialAccumulator(double value) {
        UpdateRule r = rule;
        return with(r.learningRate(), r.momentum(), r.rho(), r.beta1(), r.beta2(), r.epsilon(), r.weightDecay(),
                r.nesterov(), r.centered(), (float) value);
    }

    /** The kind, the learning rate and every knob of this kind that differs from PyTorch's default. */
    @Override
    public String toString() {
        UpdateRule r = rule;
        UpdateRule d = UpdateRule.defaults(r.kind(), r.learningRate());
        StringBuilder b = new StringBuilder(r.kind().name().toLowerCase(Locale.ROOT)).append("(lr ")
                .append(r.learningRate());
        switch (r.kind()) {
            case SGD -> {
                knob(b, "momentum", r.momentum(), d.momentum());
                b.append(r.nesterov() ? " nesterov" : "");
            }
            case ADAGRAD -> knob(b, "initial accumulator", r.initialAccumulator(), d.initialAccumulator());
            case RMSPROP -> {
                b.append(", alpha ").append(r.rho());
                knob(b, "momentum", r.momentum(), d.momentum());
                b.append(r.centered() ? ", centered" : "");
            }
            case ADAM, ADAMW -> {
                if (r.beta1() != d.beta1() || r.beta2() != d.beta2()) {
                    b.append(", betas (").append(r.beta1()).append(", ").append(r.beta2()).append(')');
                }
            }
        }
        if (r.kind() != UpdateRule.Kind.SGD) {
            knob(b, "eps", r.epsilon(), d.epsilon());
        }
        knob(b, "weight decay", r.weightDecay(), r.kind() == UpdateRule.Kind.ADAMW ? -1 : d.weightDecay());
        return b.append(')').toString();
    }

    private static void knob(StringBuilder b, String name, float v, float dflt) {
        if (v != dflt) {
            b.append(", ").append(name).append(' ').append(v);
        }
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.UpdateRule;
import java.util.Locale;
import java.util.Objects;

/**
 * An optimizer and its hyper-parameters: one {@link UpdateRule}, the single definition of every
 * field, its validation and its update formula, which the backends read as it is. The element-wise
 * clip bound is the trainer's ({@link Clipping#value(double)}) and is set when the trainer asks for
 * {@link #rule(float)}.
 *
 * @param rule the update rule (its clip value is ignored: +∞ here)
 */
public record OptimizerConfig(UpdateRule rule) {

    /** Keeps {@code rule} with no element-wise clipping of its own. */
    public OptimizerConfig {
        Objects.requireNonNull(rule, "rule");
        rule = rule.withClipValue(Float.POSITIVE_INFINITY);
    }

    /** Plain SGD. */
    public static OptimizerConfig sgd(double lr) {
        return of(UpdateRule.Kind.SGD, lr);
    }

    /** SGD with (heavy-ball) momentum. */
    public static OptimizerConfig sgd(double lr, double momentum) {
        UpdateRule d = UpdateRule.defaults(UpdateRule.Kind.SGD, (float) lr);
        return new OptimizerConfig(new UpdateRule(d.kind(), d.learningRate(), (float) momentum, d.rho(), d.beta1(),
                d.beta2(), d.epsilon(), d.clipValue()));
    }

    /** Adagrad, ε = 1e-8 (as in min-char-rnn). */
    public static OptimizerConfig adagrad(double lr) {
        return of(UpdateRule.Kind.ADAGRAD, lr);
    }

    /** RMSProp, ρ = 0.99, ε = 1e-8 (PyTorch's defaults). */
    public static OptimizerConfig rmsprop(double lr) {
        return of(UpdateRule.Kind.RMSPROP, lr);
    }

    /** Adam, β = (0.9, 0.999), ε = 1e-8. */
    public static OptimizerConfig adam(double lr) {
        return of(UpdateRule.Kind.ADAM, lr);
    }

    private static OptimizerConfig of(UpdateRule.Kind kind, double lr) {
        return new OptimizerConfig(UpdateRule.defaults(kind, (float) lr));
    }

    /** Parses {@code sgd}, {@code momentum} (SGD with μ = 0.9), {@code adagrad}, {@code rmsprop}, {@code adam} with a learning rate. */
    public static OptimizerConfig parse(String name, double lr) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "sgd" -> sgd(lr);
            case "momentum" -> sgd(lr, 0.9);
            case "adagrad" -> adagrad(lr);
            case "rmsprop" -> rmsprop(lr);
            case "adam" -> adam(lr);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name
                    + "' (expected sgd, momentum, adagrad, rmsprop or adam)");
        };
    }

    /** The optimizer family. */
    public UpdateRule.Kind kind() {
        return rule.kind();
    }

    /** The learning rate. */
    public float learningRate() {
        return rule.learningRate();
    }

    /** The backend update rule, with an element-wise clip bound (or +∞). */
    public UpdateRule rule(float clipValue) {
        return rule.withClipValue(clipValue);
    }

    @Override
    public String toString() {
        return switch (rule.kind()) {
            case SGD -> rule.momentum() == 0 ? "sgd(lr " + rule.learningRate() + ")"
                    : "sgd(lr " + rule.learningRate() + ", momentum " + rule.momentum() + ")";
            case ADAGRAD -> "adagrad(lr " + rule.learningRate() + ")";
            case RMSPROP -> "rmsprop(lr " + rule.learningRate() + ", rho " + rule.rho() + ")";
            case ADAM -> "adam(lr " + rule.learningRate() + ")";
        };
    }
}

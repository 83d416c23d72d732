package io.rnn4j.train;

import io.rnn4j.backend.UpdateRule;
import java.util.Locale;

/**
 * An optimizer and its hyper-parameters; the formulas are in {@link UpdateRule}.
 *
 * @param kind SGD, Adagrad, RMSProp or Adam
 * @param learningRate lr
 * @param momentum SGD momentum (0 = plain SGD)
 * @param rho RMSProp decay (default 0.99)
 * @param beta1 Adam β1 (default 0.9)
 * @param beta2 Adam β2 (default 0.999)
 * @param epsilon ε of Adagrad, RMSProp and Adam (default 1e-8)
 */
public record OptimizerConfig(UpdateRule.Kind kind, float learningRate, float momentum, float rho, float beta1,
                              float beta2, float epsilon) {

    public OptimizerConfig {
        // Validate through the rule, so the messages are the same everywhere.
        new UpdateRule(kind, learningRate, momentum, rho, beta1, beta2, epsilon, Float.POSITIVE_INFINITY);
    }

    /** Plain SGD. */
    public static OptimizerConfig sgd(double lr) {
        return new OptimizerConfig(UpdateRule.Kind.SGD, (float) lr, 0f, 0.99f, 0.9f, 0.999f, 1e-8f);
    }

    /** SGD with (heavy-ball) momentum. */
    public static OptimizerConfig sgd(double lr, double momentum) {
        return new OptimizerConfig(UpdateRule.Kind.SGD, (float) lr, (float) momentum, 0.99f, 0.9f, 0.999f, 1e-8f);
    }

    /** Adagrad, ε = 1e-8 (as in min-char-rnn). */
    public static OptimizerConfig adagrad(double lr) {
        return new OptimizerConfig(UpdateRule.Kind.ADAGRAD, (float) lr, 0f, 0.99f, 0.9f, 0.999f, 1e-8f);
    }

    /** RMSProp, ρ = 0.99, ε = 1e-8 (PyTorch's defaults). */
    public static OptimizerConfig rmsprop(double lr) {
        return new OptimizerConfig(UpdateRule.Kind.RMSPROP, (float) lr, 0f, 0.99f, 0.9f, 0.999f, 1e-8f);
    }

    /** Adam, β = (0.9, 0.999), ε = 1e-8. */
    public static OptimizerConfig adam(double lr) {
        return new OptimizerConfig(UpdateRule.Kind.ADAM, (float) lr, 0f, 0.99f, 0.9f, 0.999f, 1e-8f);
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

    /** The backend update rule, with an element-wise clip bound (or +∞). */
    public UpdateRule rule(float clipValue) {
        return new UpdateRule(kind, learningRate, momentum, rho, beta1, beta2, epsilon, clipValue);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SGD -> momentum == 0 ? "sgd(lr " + learningRate + ")" : "sgd(lr " + learningRate + ", momentum " + momentum + ")";
            case ADAGRAD -> "adagrad(lr " + learningRate + ")";
            case RMSPROP -> "rmsprop(lr " + learningRate + ", rho " + rho + ")";
            case ADAM -> "adam(lr " + learningRate + ")";
        };
    }
}

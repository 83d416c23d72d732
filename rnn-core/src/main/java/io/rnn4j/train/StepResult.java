package io.rnn4j.train;

import io.rnn4j.diagnostics.NonFiniteLocation;

/**
 * What one training step did.
 *
 * @param step the 1-based update count after this step (0 for {@link Trainer#computeGradients})
 * @param loss the loss under {@code reduction}
 * @param reduction how {@code loss} was reduced
 * @param tokens positions that contributed to the loss (loss weight &gt; 0); sequences for
 *     {@link Loss#MSE_LAST_STEP}
 * @param gradNorm the global L2 norm of the gradient over every parameter, before clipping
 * @param clipScale the factor applied to the gradient by global-norm clipping (1 when not clipped
 *     or with another mode)
 * @param elapsedNanos wall time of the step, validation and upload included
 * @param updated whether the parameters were updated (false for {@link Trainer#computeGradients}
 *     and for a skipped non-finite step)
 * @param nonFinite where a NaN or infinity first appeared in this step, or null
 * @param learningRate the learning rate of this update (the schedule's value; the rate the next
 *     update would use for {@link Trainer#computeGradients})
 * @param regularizer the value of the regularizer's term Ω (unweighted: the objective is
 *     {@code loss + λ·Ω}), 0 without one ({@link TrainerConfig#regularizer()})
 */
public record StepResult(long step, double loss, Reduction reduction, long tokens, double gradNorm,
                         double clipScale, long elapsedNanos, boolean updated, NonFiniteLocation nonFinite,
                         double learningRate, double regularizer) {

    /** {@return tokens per second of this step} */
    public double tokensPerSecond() {
        return elapsedNanos == 0 ? Double.NaN : tokens * 1e9 / elapsedNanos;
    }
}

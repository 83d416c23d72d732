package io.rnn4j.train;

import io.rnn4j.diagnostics.NonFinitePolicy;

/**
 * How a {@link Trainer} trains.
 *
 * @param loss the head and loss (default softmax cross-entropy)
 * @param reduction sum or mean over positions (default mean)
 * @param clipping gradient clipping (default global norm 5)
 * @param optimizer the update rule (default Adam, lr 1e-3)
 * @param carryState truncated BPTT: carry the final hidden state of each batch into the next as
 *     its initial state, with no gradient across the boundary (default false: every batch starts
 *     from the initial state, zeros unless set)
 * @param diagnostics record the gradient flow of every step ({@link Trainer#lastGradientFlow()}):
 *     per-step norms of ∂E/∂h_t and δ_t inside the backward sweep and per-parameter gradient
 *     norms, one extra host read per step (default false: no cost)
 * @param nonFinitePolicy what a NaN or infinite loss or gradient does (default: throw, naming the
 *     first tensor and time step where it appears)
 * @param schedule the learning rate of each update as a factor of the optimizer's (default constant)
 * @param dropout dropout while training (default none)
 * @param regularizer a term added to the objective (default none)
 */
public record TrainerConfig(Loss loss, Reduction reduction, Clipping clipping, OptimizerConfig optimizer,
                            boolean carryState, boolean diagnostics, NonFinitePolicy nonFinitePolicy,
                            LearningRateSchedule schedule, Dropout dropout, Regularizer regularizer) {

    /**
     * Checks that every field is set.
     *
     * @param loss the head and loss (default softmax cross-entropy)
     * @param reduction sum or mean over positions (default mean)
     * @param clipping gradient clipping (default global norm 5)
     * @param optimizer the update rule (default Adam, lr 1e-3)
     * @param carryState truncated BPTT: carry the final hidden state of each batch into the next as
     *     its initial state, with no gradient across the boundary (default false: every batch starts
     *     from the initial state, zeros unless set)
     * @param diagnostics record the gradient flow of every step ({@link Trainer#lastGradientFlow()}):
     *     per-step norms of ∂E/∂h_t and δ_t inside the backward sweep and per-parameter gradient
     *     norms, one extra host read per step (default false: no cost)
     * @param nonFinitePolicy what a NaN or infinite loss or gradient does (default: throw, naming the
     *     first tensor and time step where it appears)
     * @param schedule the learning rate of each update as a factor of the optimizer's (default constant)
     * @param dropout dropout while training (default none)
     * @param regularizer a term added to the objective (default none)
     */
    public TrainerConfig {
        if (loss == null || reduction == null || clipping == null || optimizer == null || nonFinitePolicy == null
                || schedule == null || dropout == null || regularizer == null) {
            throw new IllegalArgumentException("TrainerConfig: loss, reduction, clipping, optimizer, nonFinitePolicy,"
                    + " schedule, dropout and regularizer must be set");
        }
    }

    /**
     * The configuration of rnn4j 0.1's seven fields, with a constant schedule and no dropout.
     *
     * @param loss the loss
     * @param reduction how it is reduced
     * @param clipping gradient clipping
     * @param optimizer the optimizer
     * @param carryState truncated BPTT
     * @param diagnostics record the gradient flow
     * @param nonFinitePolicy what a NaN or infinity does
     */
    public TrainerConfig(Loss loss, Reduction reduction, Clipping clipping, OptimizerConfig optimizer,
                         boolean carryState, boolean diagnostics, NonFinitePolicy nonFinitePolicy) {
        this(loss, reduction, clipping, optimizer, carryState, diagnostics, nonFinitePolicy,
                LearningRateSchedule.constant(), Dropout.none(), Regularizer.none());
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        return builder().loss(loss).reduction(reduction).clipping(clipping).optimizer(optimizer)
                .carryState(carryState).diagnostics(diagnostics).nonFinitePolicy(nonFinitePolicy).schedule(schedule)
                .dropout(dropout).regularizer(regularizer);
    }

    /** {@return a builder with the defaults above} */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder with documented defaults. */
    public static final class Builder {
        private Loss loss = Loss.SOFTMAX_CROSS_ENTROPY;
        private Reduction reduction = Reduction.MEAN;
        private Clipping clipping = Clipping.globalNorm(5.0);
        private OptimizerConfig optimizer = OptimizerConfig.adam(1e-3);
        private boolean carryState;
        private boolean diagnostics;
        private NonFinitePolicy nonFinitePolicy = NonFinitePolicy.THROW;
        private LearningRateSchedule schedule = LearningRateSchedule.constant();
        private Dropout dropout = Dropout.none();
        private Regularizer regularizer = Regularizer.none();

        /**
         * The loss (default softmax cross-entropy at every step).
         *
         * @param l the loss
         * @return this builder
         */
        public Builder loss(Loss l) {
            this.loss = l;
            return this;
        }

        /**
         * How the loss is reduced (default mean).
         *
         * @param r the reduction
         * @return this builder
         */
        public Builder reduction(Reduction r) {
            this.reduction = r;
            return this;
        }

        /**
         * Gradient clipping (default global norm 5).
         *
         * @param c the clipping
         * @return this builder
         */
        public Builder clipping(Clipping c) {
            this.clipping = c;
            return this;
        }

        /**
         * The optimizer (default Adam, lr 1e-3).
         *
         * @param o the optimizer
         * @return this builder
         */
        public Builder optimizer(OptimizerConfig o) {
            this.optimizer = o;
            return this;
        }

        /**
         * Whether each batch starts from the previous batch's final state (truncated BPTT; default off).
         *
         * @param carry true to carry
         * @return this builder
         */
        public Builder carryState(boolean carry) {
            this.carryState = carry;
            return this;
        }

        /**
         * Whether each step records the gradient flow (default off).
         *
         * @param on true to record
         * @return this builder
         */
        public Builder diagnostics(boolean on) {
            this.diagnostics = on;
            return this;
        }

        /**
         * What a NaN or infinite loss or gradient does (default throw).
         *
         * @param p the policy
         * @return this builder
         */
        public Builder nonFinitePolicy(NonFinitePolicy p) {
            this.nonFinitePolicy = p;
            return this;
        }

        /**
         * The learning-rate schedule (default constant).
         *
         * @param s the schedule
         * @return this builder
         */
        public Builder schedule(LearningRateSchedule s) {
            this.schedule = s;
            return this;
        }

        /**
         * Dropout while training (default none).
         *
         * @param d the dropout
         * @return this builder
         */
        public Builder dropout(Dropout d) {
            this.dropout = d;
            return this;
        }

        /**
         * A term added to the objective (default none).
         *
         * @param r the regularizer
         * @return this builder
         */
        public Builder regularizer(Regularizer r) {
            this.regularizer = r;
            return this;
        }

        /**
         * {@return the configuration}
         */
        public TrainerConfig build() {
            return new TrainerConfig(loss, reduction, clipping, optimizer, carryState, diagnostics, nonFinitePolicy,
                    schedule, dropout, regularizer);
        }
    }
}

package io.rnn4j.train;

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
 */
public record TrainerConfig(Loss loss, Reduction reduction, Clipping clipping, OptimizerConfig optimizer,
                            boolean carryState) {

    public TrainerConfig {
        if (loss == null || reduction == null || clipping == null || optimizer == null) {
            throw new IllegalArgumentException("TrainerConfig: loss, reduction, clipping and optimizer must be set");
        }
    }

    /** A builder with the defaults above. */
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

        public Builder loss(Loss l) {
            this.loss = l;
            return this;
        }

        public Builder reduction(Reduction r) {
            this.reduction = r;
            return this;
        }

        public Builder clipping(Clipping c) {
            this.clipping = c;
            return this;
        }

        public Builder optimizer(OptimizerConfig o) {
            this.optimizer = o;
            return this;
        }

        public Builder carryState(boolean carry) {
            this.carryState = carry;
            return this;
        }

        public TrainerConfig build() {
            return new TrainerConfig(loss, reduction, clipping, optimizer, carryState);
        }
    }
}

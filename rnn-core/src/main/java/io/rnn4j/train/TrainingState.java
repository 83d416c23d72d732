package io.rnn4j.train;

/**
 * Everything a {@link Trainer} carries from one step to the next besides the model's parameters:
 * the update count, the optimizer's state arenas and the carried hidden (and LSTM cell) state. What
 * a checkpoint stores next to the parameters; {@link Trainer#snapshot()} takes it and
 * {@link Trainer#restore(TrainingState)} puts it back (all or nothing).
 *
 * @param step updates applied (Adam's bias correction and a resumed schedule count from it)
 * @param optimizerStates the optimizer's state arenas, each {@code P} floats in parameter-arena order
 *     (momentum; the Adagrad or RMSProp accumulator; Adam's m and v)
 * @param batchSize B of the carried state, 0 when there is none
 * @param hidden the carried hidden state, {@code L·B·H} floats, layer 0 first (empty when none)
 * @param cell the LSTM's carried cell state, {@code L·B·H} floats (empty for other cells or when none)
 */
public record TrainingState(long step, float[][] optimizerStates, int batchSize, float[] hidden, float[] cell) {

    /**
     * Checks the shapes that need no model: non-null arrays, a step and batch size of at least 0.
     *
     * @param step updates applied (Adam's bias correction and a resumed schedule count from it)
     * @param optimizerStates the optimizer's state arenas, each {@code P} floats in parameter-arena order
     *     (momentum; the Adagrad or RMSProp accumulator; Adam's m and v)
     * @param batchSize B of the carried state, 0 when there is none
     * @param hidden the carried hidden state, {@code L·B·H} floats, layer 0 first (empty when none)
     * @param cell the LSTM's carried cell state, {@code L·B·H} floats (empty for other cells or when none)
     */
    public TrainingState {
        if (optimizerStates == null || hidden == null || cell == null) {
            throw new IllegalArgumentException("training state: optimizer states, hidden and cell must not be null"
                    + " (use empty arrays)");
        }
        if (step < 0) {
            throw new IllegalArgumentException("training state: step must be >= 0, got " + step);
        }
        if (batchSize < 0) {
            throw new IllegalArgumentException("training state: batch size must be >= 0, got " + batchSize);
        }
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.RnnModel;

/**
 * The optimizer of a trainer: its update rule, its state arenas (as many as the rule needs, in the
 * parameter layout) and the update count, and the one fused update over the whole arena.
 */
final class OptimizerState implements AutoCloseable {
    private final Backend backend;
    private final RnnModel model;
    private final UpdateRule rule;
    private final Arena state1;
    private final Arena state2;
    private long steps;

    OptimizerState(RnnModel model, UpdateRule rule) {
        this.backend = model.backend();
        this.model = model;
        this.rule = rule;
        this.state1 = rule.stateTensors() >= 1 ? new Arena(backend, model.layout()) : null;
        this.state2 = rule.stateTensors() >= 2 ? new Arena(backend, model.layout()) : null;
    }

    UpdateRule rule() {
        return rule;
    }

    /** Updates applied so far. */
    long steps() {
        return steps;
    }

    /** One update of every parameter from {@code grads}, scaled by the backend scalar {@code gradScale}. */
    void update(Arena grads, Tensor gradScale) {
        backend.optimizerUpdate(rule, model.parameters().all(), grads.all(), state1 == null ? null : state1.all(),
                state2 == null ? null : state2.all(), gradScale, steps + 1);
        steps++;
    }

    /** State arena {@code index} as a host array. */
    float[] download(int index) {
        Arena a = index == 0 ? state1 : index == 1 ? state2 : null;
        if (a == null) {
            throw new IllegalArgumentException(rule.kind() + " has " + rule.stateTensors() + " state arenas, not index "
                    + index);
        }
        return a.downloadAll();
    }

    /** Every state arena as host arrays. */
    float[][] downloadAll() {
        float[][] states = new float[rule.stateTensors()][];
        for (int i = 0; i < states.length; i++) {
            states[i] = download(i);
        }
        return states;
    }

    /** Checks a restored update count and state arenas; changes nothing. */
    void check(long count, float[][] states) {
        if (count < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + count);
        }
        if (states.length != rule.stateTensors()) {
            throw new IllegalArgumentException(rule.kind() + " has " + rule.stateTensors() + " state arenas, got "
                    + states.length);
        }
        for (int i = 0; i < states.length; i++) {
            if (states[i].length != model.parameterCount()) {
                throw new IllegalArgumentException("optimizer state " + i + " has " + states[i].length
                        + " values, the model has " + model.parameterCount() + " parameters");
            }
            for (int k = 0; k < states[i].length; k++) {
                if (!Float.isFinite(states[i][k])) {
                    throw new IllegalArgumentException("optimizer state " + i + " value " + states[i][k] + " at index "
                            + k + " is not finite");
                }
            }
        }
    }

    /** Sets checked values ({@link #check}). */
    void apply(long count, float[][] states) {
        Arena[] arenas = {state1, state2};
        for (int i = 0; i < states.length; i++) {
            arenas[i].uploadAll(states[i]);
        }
        this.steps = count;
    }

    @Override
    public void close() {
        if (state1 != null) {
            state1.close();
        }
        if (state2 != null) {
            state2.close();
        }
    }
}

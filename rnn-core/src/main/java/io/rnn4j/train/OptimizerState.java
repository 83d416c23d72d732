package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.RnnModel;

/**
 * The optimizer of a trainer: its update rule, its state arenas (as many as the rule needs, in the
 * parameter layout, at their initial values), the update count, the learning-rate schedule, and the
 * one fused update over the whole arena.
 */
final class OptimizerState implements AutoCloseable {
    private final Backend backend;
    private final RnnModel model;
    private final UpdateRule base;
    private final LearningRateSchedule schedule;
    private final Arena[] states;
    /**
     * 1×2 on the backend: the updates applied, as the backend counts them, and the next update's
     * learning rate ({@link Backend#gatedUpdate}); the rate is uploaded when the schedule changes it.
     */
    private final Tensor control;
    private final Tensor controlRate;
    /** The rate last put in the control (NaN before the first: it differs from every rate). */
    private final float[] rate = {Float.NaN};
    private long steps;
    /** The rule at the last scheduled rate (a new record only when the rate changes). */
    private UpdateRule current;

    OptimizerState(RnnModel model, UpdateRule rule, LearningRateSchedule schedule) {
        this.backend = model.backend();
        this.model = model;
        this.base = rule;
        this.schedule = schedule;
        this.current = rule;
        this.control = backend.allocate(1, 2);
        this.controlRate = control.cols(1, 1);
        this.states = new Arena[rule.stateTensors()];
        for (int i = 0; i < states.length; i++) {
            states[i] = new Arena(backend, model.layout());
            if (rule.initialState(i) != 0f) {
                backend.fill(states[i].all(), rule.initialState(i));
            }
        }
    }

    UpdateRule rule() {
        return base;
    }

    /** Updates applied so far. */
    long steps() {
        return steps;
    }

    /** The learning rate of update {@code t} (1-based). */
    float learningRate(long t) {
        return (float) (base.learningRate() * schedule.factor(t));
    }

    /** The learning rate the next update will use. */
    float nextLearningRate() {
        return learningRate(steps + 1);
    }

    /** The rule at the next update's scheduled learning rate. */
    UpdateRule nextRule() {
        float lr = nextLearningRate();
        if (current.learningRate() != lr) {
            current = base.withLearningRate(lr);
        }
        return current;
    }

    /**
     * Puts the next update's learning rate into the backend's control when the schedule has changed
     * it (an upload: call before the step's work is queued, never inside a capture).
     */
    void stageRate() {
        float lr = nextRule().learningRate();
        if (rate[0] != lr) {
            rate[0] = lr;
            backend.upload(rate, 0, controlRate);
        }
    }

    /**
     * Queues the next update of every parameter from {@code grads}, scaled by the backend scalar
     * {@code gradScale} and skipped on the backend when {@code check} holds a non-finite value
     * (null: never skipped), at the rate {@link #stageRate()} put in the control. The host count
     * moves with {@link #applied()}, once the caller knows.
     */
    void queueUpdate(Arena grads, Tensor gradScale, Tensor check) {
        backend.gatedUpdate(current, model.parameters().all(), grads.all(), arena(0), arena(1), arena(2), gradScale,
                check, control, steps + 1);
    }

    /** Counts the update {@link #queueUpdate} queued, when the check let it through. */
    void applied() {
        if (steps >= MAX_STEPS) {
            throw new IllegalStateException("the trainer has counted 2^53 updates, the most it can");
        }
        steps++;
    }

    private Tensor arena(int i) {
        return i < states.length ? states[i].all() : null;
    }

    /** State arena {@code index} as a host array. */
    float[] download(int index) {
        if (index < 0 || index >= states.length) {
            throw new IllegalArgumentException(base.kind() + " has " + states.length + " state arenas, not index "
                    + index);
        }
        return states[index].downloadAll();
    }

    /** Every state arena as host arrays. */
    float[][] downloadAll() {
        float[][] out = new float[states.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = download(i);
        }
        return out;
    }

    /** The most updates a trainer counts: the schedules and Adam's corrections compute with it in double. */
    static final long MAX_STEPS = 1L << 53;

    /**
     * Checks a restored update count and state arenas; changes nothing. Refuses what this optimizer could
     * never have produced: a count outside {@code [0, 2⁵³]}, a non-finite value, a negative accumulator of
     * squares (Adagrad's s, RMSProp's v, Adam's v: the next update would take its root and write NaN into
     * every parameter).
     */
    void check(long count, float[][] values) {
        if (count < 0 || count > MAX_STEPS) {
            throw new IllegalArgumentException("step count must be in [0, 2^53], got " + count);
        }
        if (values.length != states.length) {
            throw new IllegalArgumentException(base.kind() + " has " + states.length + " state arenas, got "
                    + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i].length != model.parameterCount()) {
                throw new IllegalArgumentException("optimizer state " + i + " has " + values[i].length
                        + " values, the model has " + model.parameterCount() + " parameters");
            }
            boolean squares = squaresArena(i);
            for (int k = 0; k < values[i].length; k++) {
                float v = values[i][k];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("optimizer state " + i + " value " + v + " at index " + k
                            + " is not finite");
                }
                if (squares && v < 0) {
                    throw new IllegalArgumentException("optimizer state " + i + " (" + base.kind()
                            + "'s accumulator of squared gradients) holds " + v + " at index " + k
                            + ": it can never be negative");
                }
            }
        }
    }

    /** Whether state arena {@code i} accumulates squared gradients (never negative). */
    private boolean squaresArena(int i) {
        return switch (base.kind()) {
            case ADAGRAD, RMSPROP -> i == 0;
            case ADAM, ADAMW -> i == 1;
            case SGD -> false;
        };
    }

    /** Sets checked values ({@link #check}). */
    void apply(long count, float[][] values) {
        for (int i = 0; i < values.length; i++) {
            states[i].uploadAll(values[i]);
        }
        backend.fill(control.cols(0, 1), count);
        this.steps = count;
    }

    @Override
    public void close() {
        for (Arena a : states) {
            a.close();
        }
        control.buffer().close();
    }
}

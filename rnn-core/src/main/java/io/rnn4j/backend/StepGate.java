package io.rnn4j.backend;

import io.rnn4j.backend.internal.Shapes;

/**
 * The interface's default of {@link Backend#gatedUpdate}: the check read on the host (one
 * download), then {@link Backend#optimizerUpdate} with the caller's step number and rule (its
 * learning rate), and the count in {@code control} set by {@link Backend#fill} (queued, no wait).
 */
final class StepGate {
    private StepGate() {
    }

    static void onHost(Backend be, UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                       Tensor state3, Tensor gradScale, Tensor check, Tensor control, long step) {
        Shapes.gateControl(control);
        if (check != null) {
            float[] values = new float[(int) check.size()];
            be.download(check, values, 0);
            if (!allFinite(values)) {
                return;
            }
        }
        be.optimizerUpdate(rule, params, grads, state1, state2, state3, gradScale, step);
        be.fill(control.cols(0, 1), step);
    }

    /** Whether every value is finite. */
    static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}

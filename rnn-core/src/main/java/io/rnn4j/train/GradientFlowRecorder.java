package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.diagnostics.GradientFlow;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.ParameterLayout;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns what the backward sweep recorded (per-step Σ(∂E/∂h_t)² and Σδ_t² of the top layer) and
 * each parameter's gradient norm into a {@link GradientFlow}: one download of the step norms and
 * one small reduction per parameter, only when diagnostics are on.
 */
final class GradientFlowRecorder {
    private final Backend backend;

    GradientFlowRecorder(Backend backend) {
        this.backend = backend;
    }

    GradientFlow record(Workspace w, Arena grads) {
        backend.download(w.stepSquares, w.stepScratch, 0);
        double[] dh = new double[w.steps];
        double[] delta = new double[w.steps];
        for (int t = 0; t < w.steps; t++) {
            dh[t] = Math.sqrt(w.stepScratch[2 * t]);
            delta[t] = Math.sqrt(w.stepScratch[2 * t + 1]);
        }
        Map<String, Double> norms = new LinkedHashMap<>();
        for (ParameterLayout.Entry e : grads.layout().entries()) {
            backend.sumSquares(grads.view(e.name()), w.sumSquares, false);
            backend.download(w.sumSquares, w.scalarScratch, 1);
            norms.put(e.name(), Math.sqrt(w.scalarScratch[1]));
        }
        return new GradientFlow(dh, delta, Collections.unmodifiableMap(norms));
    }
}

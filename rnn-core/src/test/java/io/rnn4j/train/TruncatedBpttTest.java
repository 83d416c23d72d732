package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.InputKind;
import io.rnn4j.reference.ReferenceRnn;
import io.rnn4j.reference.Scenario;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Truncated BPTT: the second window starts from the first window's final state (at each
 * sequence's last valid step), with gradients that match the reference run from that state, and
 * no gradient across the boundary.
 */
class TruncatedBpttTest {

    private static double[][] unflatten(float[] flat, int b, int h) {
        double[][] out = new double[b][h];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < h; j++) {
                out[i][j] = flat[i * h + j];
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void secondWindowMatchesReferenceFromCarriedState(Activation a) {
        for (int variable = 0; variable < 2; variable++) {
            Scenario sc = new Scenario(a, true, InputKind.TOKENS, Loss.SOFTMAX_CROSS_ENTROPY, Reduction.SUM, variable,
                    true, 1234 + variable);
            Batch w1 = sc.batch(1);
            Batch w2 = sc.batch(2);
            try (RnnModel model = new RnnModel(new CpuBackend(), sc.config());
                 Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(sc.loss()).reduction(sc.reduction())
                         .optimizer(OptimizerConfig.sgd(0.1)).carryState(true).build())) {
                sc.load(model);
                trainer.setHiddenState(Scenario.B, sc.h0Flat());
                trainer.computeGradients(w1);
                ReferenceRnn ref = sc.reference();
                double[][] carried = ref.finalState(w1, sc.h0());
                float[] state = trainer.hiddenState();
                for (int b = 0; b < Scenario.B; b++) {
                    for (int i = 0; i < Scenario.H; i++) {
                        assertEquals(carried[b][i], state[b * Scenario.H + i], 2e-6, a + " carried state");
                    }
                }
                StepResult r = trainer.computeGradients(w2);
                double[][] h0 = unflatten(state, Scenario.B, Scenario.H);
                assertEquals(ref.loss(w2, h0), r.loss(), 2e-5 * Math.abs(r.loss()), a + " loss of window 2");
                Map<String, double[]> g = ref.gradientsDoubleSum(w2, h0);
                for (var e : g.entrySet()) {
                    double err = ReferenceRnn.relativeError(ReferenceRnn.toDouble(trainer.gradient(e.getKey())), e.getValue());
                    assertTrue(err < CpuMatchesReferenceTest.TOLERANCE, a + " " + e.getKey() + " window 2: " + err);
                }
            }
        }
    }

    @Test
    void withoutCarryEveryBatchStartsFromTheInitialState() {
        Scenario sc = new Scenario(Activation.TANH, true, InputKind.TOKENS, Loss.SOFTMAX_CROSS_ENTROPY, Reduction.SUM, 0,
                false, 99);
        try (RnnModel model = new RnnModel(new CpuBackend(), sc.config());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.1)).build())) {
            sc.load(model);
            double l1 = trainer.computeGradients(sc.batch(5)).loss();
            trainer.computeGradients(sc.batch(6));
            double l2 = trainer.computeGradients(sc.batch(5)).loss();
            assertEquals(l1, l2, 0.0, "same batch, same parameters, same initial state: same loss");
            assertArrayEquals(new float[Scenario.B * Scenario.H], trainer.hiddenState());
        }
    }

    @Test
    void resetStateAndBatchSizeChanges() {
        Scenario sc = new Scenario(Activation.TANH, true, InputKind.TOKENS, Loss.SOFTMAX_CROSS_ENTROPY, Reduction.MEAN, 0,
                false, 7);
        try (RnnModel model = new RnnModel(new CpuBackend(), sc.config());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().carryState(true)
                     .optimizer(OptimizerConfig.sgd(0.1)).build())) {
            sc.load(model);
            trainer.step(sc.batch(1));
            float[] carried = trainer.hiddenState();
            assertTrue(norm(carried) > 0, "state carried after a step");
            int[][] ids = {{1, 2, 0}, {0, 1, 2}};
            Batch other = Batch.tokens(ids, ids);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.step(other));
            assertTrue(e.getMessage().contains("resetState"), e.getMessage());
            assertArrayEquals(carried, trainer.hiddenState(), "a refused batch leaves the state");
            trainer.resetState();
            assertEquals(0.0, norm(trainer.hiddenState()));
            trainer.step(other);
            assertEquals(2 * Scenario.H, trainer.hiddenState().length);
        }
    }

    private static double norm(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }
}

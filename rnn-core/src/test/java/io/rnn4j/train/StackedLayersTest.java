package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.reference.ReferenceRnn;
import io.rnn4j.reference.Scenario;
import io.rnn4j.reference.StackedReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stacked layers (L = 2 and 3) of every cell: the stacked float64 reference against finite
 * differences (below 1e-6) and the CPU backend against the reference (below 2e-5), with carried
 * states of every layer, lengths and masks.
 */
class StackedLayersTest {
    private static double worstFd;
    private static double worstCpu;

    record Case(CellType cell, int layers, InputKind input, Loss loss, int variable, long seed) {
        Scenario scenario() {
            return new Scenario(Activation.TANH, true, input, loss, Reduction.SUM, variable, variable == 1, seed);
        }

        RnnConfig config() {
            RnnConfig.Builder b = input == InputKind.TOKENS ? RnnConfig.tokens(Scenario.D, Scenario.H).outputSize(Scenario.O)
                    : RnnConfig.dense(Scenario.D, Scenario.H, Scenario.O);
            return b.cell(cell).layers(layers).init(Init.normal(0.5)).seed(seed).build();
        }

        Map<String, float[]> parameters() {
            return Scenario.uniformParameters(config(), seed * 7 + 3, 0.7);
        }

        double[][][] state(long salt) {
            if (variable == 0) {
                return null;
            }
            SplittableRandom r = new SplittableRandom(seed * 11 + salt);
            double[][][] s = new double[layers][Scenario.B][Scenario.H];
            for (double[][] layer : s) {
                for (double[] row : layer) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = (float) r.nextDouble(-0.9, 0.9);
                    }
                }
            }
            return s;
        }

        @Override
        public String toString() {
            return cell + " x" + layers + " " + input.name().toLowerCase() + " " + loss.name().toLowerCase()
                    + (variable == 1 ? " lengths+mask+state" : "");
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        long seed = 3000;
        for (CellType c : CellType.values()) {
            for (InputKind in : InputKind.values()) {
                for (Loss l : new Loss[] {Loss.SOFTMAX_CROSS_ENTROPY, Loss.MSE_LAST_STEP}) {
                    for (int v = 0; v < 2; v++) {
                        out.add(new Case(c, v == 0 ? 2 : 3, in, l, v, seed++));
                    }
                }
            }
        }
        return out;
    }

    private static float[] flat(double[][][] s) {
        if (s == null) {
            return null;
        }
        int l = s.length;
        int b = s[0].length;
        int h = s[0][0].length;
        float[] out = new float[l * b * h];
        for (int i = 0; i < l; i++) {
            for (int j = 0; j < b; j++) {
                for (int k = 0; k < h; k++) {
                    out[(i * b + j) * h + k] = (float) s[i][j][k];
                }
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stackedGradientsAgree(Case k) {
        Batch batch = k.scenario().batch();
        double[][][] h0 = k.state(1);
        double[][][] c0 = k.cell() == CellType.LSTM ? k.state(2) : null;
        StackedReference ref = new StackedReference(k.config(), k.loss(), Reduction.SUM, k.parameters());
        Map<String, double[]> g = ref.gradients(batch, h0, c0);
        Map<String, double[]> fd = ref.finiteDifferences(batch, h0, c0, 1e-6);
        for (String name : g.keySet()) {
            double e = ReferenceRnn.relativeError(fd.get(name), g.get(name));
            synchronized (StackedLayersTest.class) {
                worstFd = Math.max(worstFd, e);
            }
            assertTrue(e < 1e-6, k + " " + name + ": finite differences vs reference " + e);
        }
        try (RnnModel model = new RnnModel(new CpuBackend(), k.config());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(k.loss()).reduction(Reduction.SUM)
                     .optimizer(OptimizerConfig.sgd(0.1)).clipping(Clipping.none()).build())) {
            k.parameters().forEach(model::setParameter);
            if (h0 != null) {
                trainer.setHiddenState(Scenario.B, flat(h0));
            }
            if (c0 != null) {
                trainer.setCellState(Scenario.B, flat(c0));
            }
            StepResult r = trainer.computeGradients(batch);
            double want = ref.loss(batch, h0, c0);
            assertEquals(want, r.loss(), 2e-5 * Math.abs(want), k + " loss");
            for (var e : g.entrySet()) {
                double err = ReferenceRnn.relativeError(ReferenceRnn.toDouble(trainer.gradient(e.getKey())), e.getValue());
                synchronized (StackedLayersTest.class) {
                    worstCpu = Math.max(worstCpu, err);
                }
                assertTrue(err < CpuMatchesReferenceTest.TOLERANCE, k + " " + e.getKey() + " CPU vs reference " + err);
            }
        }
    }

    @Test
    void stackedStateIsLayerMajorAndCarried() {
        RnnConfig cfg = RnnConfig.tokens(5, 3).cell(CellType.LSTM).layers(2).seed(4).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().carryState(true).build())) {
            trainer.step(Batch.tokens(new int[][] {{1, 2, 3}, {4, 0, 1}}, new int[][] {{2, 3, 4}, {0, 1, 2}}));
            assertEquals(2 * 2 * 3, trainer.hiddenState().length, "L·B·H");
            assertEquals(2 * 2 * 3, trainer.cellState().length);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.setHiddenState(2, new float[6]));
            assertTrue(e.getMessage().contains("L·B·H"), e.getMessage());
            assertTrue(ParameterLayout.of(cfg).has("recurrentWeights_l1"));
            assertEquals(3, ParameterLayout.of(cfg).entry("inputWeights_l1").rows(), "layer 1 reads H = 3 features");
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("stacked layers: worst relative error FD vs reference %.2e, CPU vs reference %.2e%n",
                worstFd, worstCpu);
    }
}

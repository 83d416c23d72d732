package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.reference.GatedReference;
import io.rnn4j.reference.ReferenceRnn;
import io.rnn4j.reference.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LSTM and GRU: the float64 reference against finite differences (relative error below 1e-6), and
 * the production path (CPU, float32) against the reference, for every parameter, token and dense
 * inputs, biases on and off, cross-entropy and last-step heads, lengths and masks, and a carried
 * initial state (h and c); then truncated BPTT across a window boundary.
 */
class GatedCellTest {
    private static double worstFd;
    private static double worstCpu;

    record Case(CellType cell, boolean biases, InputKind input, Loss loss, int variable, boolean initial, long seed) {
        Scenario scenario() {
            return new Scenario(Activation.TANH, biases, input, loss, Reduction.SUM, variable, initial, seed);
        }

        RnnConfig config() {
            RnnConfig.Builder b = input == InputKind.TOKENS ? RnnConfig.tokens(Scenario.D, Scenario.H).outputSize(Scenario.O)
                    : RnnConfig.dense(Scenario.D, Scenario.H, Scenario.O);
            return b.cell(cell).biases(biases).init(Init.normal(0.5)).seed(seed).build();
        }

        Map<String, float[]> parameters() {
            return Scenario.uniformParameters(config(), seed * 13 + 5, 0.8);
        }

        double[][] c0() {
            if (!initial) {
                return null;
            }
            SplittableRandom r = new SplittableRandom(seed * 3 + 2);
            double[][] c = new double[Scenario.B][Scenario.H];
            for (double[] row : c) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = (float) r.nextDouble(-1.5, 1.5);
                }
            }
            return c;
        }

        @Override
        public String toString() {
            return cell + (biases ? "+bias" : "") + " " + input.name().toLowerCase() + " " + loss.name().toLowerCase()
                    + (variable == 1 ? " lengths+mask" : "") + (initial ? " h0/c0" : "");
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        long seed = 900;
        for (CellType c : new CellType[] {CellType.LSTM, CellType.GRU}) {
            for (boolean bias : new boolean[] {true, false}) {
                for (InputKind in : InputKind.values()) {
                    for (Loss l : new Loss[] {Loss.SOFTMAX_CROSS_ENTROPY, Loss.MSE_LAST_STEP}) {
                        for (int v = 0; v < 2; v++) {
                            out.add(new Case(c, bias, in, l, v, v == 1, seed++));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static float[] flat(double[][] m) {
        if (m == null) {
            return null;
        }
        float[] out = new float[m.length * m[0].length];
        for (int b = 0; b < m.length; b++) {
            for (int i = 0; i < m[0].length; i++) {
                out[b * m[0].length + i] = (float) m[b][i];
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void referenceAgreesWithFiniteDifferencesAndCpuWithReference(Case k) {
        Scenario sc = k.scenario();
        Batch batch = sc.batch();
        double[][] h0 = sc.h0();
        double[][] c0 = k.cell() == CellType.LSTM ? k.c0() : null;
        GatedReference ref = new GatedReference(k.config(), k.loss(), Reduction.SUM, k.parameters());
        Map<String, double[]> g = ref.gradients(batch, h0, c0);
        Map<String, double[]> fd = ref.finiteDifferences(batch, h0, c0, 1e-6);
        for (String name : g.keySet()) {
            double e = ReferenceRnn.relativeError(fd.get(name), g.get(name));
            synchronized (GatedCellTest.class) {
                worstFd = Math.max(worstFd, e);
            }
            assertTrue(e < 1e-6, k + " " + name + ": finite differences vs sweep " + e);
        }
        for (CpuBackendConfig bc : new CpuBackendConfig[] {CpuBackendConfig.defaults(),
                CpuBackendConfig.defaults().withThreads(1)}) {
            try (CpuBackend be = new CpuBackend(bc); RnnModel model = new RnnModel(be, k.config());
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
                    double err = ReferenceRnn.relativeError(ReferenceRnn.toDouble(trainer.gradient(e.getKey())),
                            e.getValue());
                    synchronized (GatedCellTest.class) {
                        worstCpu = Math.max(worstCpu, err);
                    }
                    assertTrue(err < CpuMatchesReferenceTest.TOLERANCE, k + " " + e.getKey() + " CPU vs reference " + err);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void truncatedBpttCarriesHiddenAndCellState(CellType cell) {
        Case k = new Case(cell, true, InputKind.TOKENS, Loss.SOFTMAX_CROSS_ENTROPY, 1, true, 4242);
        Scenario sc = k.scenario();
        Batch w1 = sc.batch(1);
        Batch w2 = sc.batch(2);
        GatedReference ref = new GatedReference(k.config(), k.loss(), Reduction.SUM, k.parameters());
        double[][] h0 = sc.h0();
        double[][] c0 = cell == CellType.LSTM ? k.c0() : null;
        try (RnnModel model = new RnnModel(new CpuBackend(), k.config());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().reduction(Reduction.SUM)
                     .optimizer(OptimizerConfig.sgd(0.1)).carryState(true).build())) {
            k.parameters().forEach(model::setParameter);
            trainer.setHiddenState(Scenario.B, flat(h0));
            if (c0 != null) {
                trainer.setCellState(Scenario.B, flat(c0));
            }
            trainer.computeGradients(w1);
            double[][][] carried = ref.finalState(w1, h0, c0);
            float[] hs = trainer.hiddenState();
            assertArrayEquals(flat(carried[0]), hs, 2e-6f, cell + " carried h");
            double[][] h1 = new double[Scenario.B][Scenario.H];
            double[][] c1 = cell == CellType.LSTM ? new double[Scenario.B][Scenario.H] : null;
            float[] cs = trainer.cellState();
            for (int b = 0; b < Scenario.B; b++) {
                for (int i = 0; i < Scenario.H; i++) {
                    h1[b][i] = hs[b * Scenario.H + i];
                    if (c1 != null) {
                        c1[b][i] = cs[b * Scenario.H + i];
                    }
                }
            }
            if (c1 != null) {
                assertArrayEquals(flat(carried[1]), cs, 2e-6f, "carried c");
            }
            trainer.computeGradients(w2);
            Map<String, double[]> g = ref.gradients(w2, h1, c1);
            for (var e : g.entrySet()) {
                double err = ReferenceRnn.relativeError(ReferenceRnn.toDouble(trainer.gradient(e.getKey())), e.getValue());
                assertTrue(err < CpuMatchesReferenceTest.TOLERANCE, cell + " window 2 " + e.getKey() + ": " + err);
            }
        }
    }

    @Test
    void layoutsAndInitialization() {
        RnnConfig lstm = RnnConfig.tokens(7, 5).cell(CellType.LSTM).build();
        ParameterLayout l = ParameterLayout.of(lstm);
        assertEquals(20, l.entry(ParameterLayout.RECURRENT_WEIGHTS).rows());
        assertEquals(20, l.entry(ParameterLayout.INPUT_WEIGHTS).cols());
        assertEquals(20, l.entry(ParameterLayout.HIDDEN_BIAS).cols());
        try (RnnModel m = new RnnModel(new CpuBackend(), lstm)) {
            float[] b = m.parameter(ParameterLayout.HIDDEN_BIAS);
            for (int i = 0; i < 20; i++) {
                assertEquals(i >= 5 && i < 10 ? 1f : 0f, b[i], "forget-gate bias 1, others 0 (i, f, g, o)");
            }
        }
        RnnConfig gru = RnnConfig.dense(3, 4, 2).cell(CellType.GRU).build();
        assertEquals(12, ParameterLayout.of(gru).entry(ParameterLayout.RECURRENT_BIAS).cols());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RnnConfig.tokens(5, 4).cell(CellType.LSTM).activation(Activation.RELU).build());
        assertTrue(e.getMessage().contains("tanh"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void gatedCellsLearnAndRejectBadInput(CellType cell) {
        try (RnnModel model = new RnnModel(new CpuBackend(), RnnConfig.tokens(11, 24).cell(cell).seed(3).build());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.02))
                     .carryState(true).build())) {
            SplittableRandom r = new SplittableRandom(1);
            double first = Double.NaN;
            double last = Double.NaN;
            for (int i = 0; i < 200; i++) {
                int[] in = new int[40];
                int[] out = new int[40];
                for (int s = 0; s < 4; s++) {
                    int tok = r.nextInt(11);
                    for (int t = 0; t < 10; t++) {
                        in[t * 4 + s] = tok;
                        tok = (tok * 3 + 1) % 11;
                        out[t * 4 + s] = tok;
                    }
                }
                trainer.resetState();
                StepResult res = trainer.step(Batch.tokensTimeMajor(4, 10, in, out));
                if (i == 0) {
                    first = res.loss();
                }
                last = res.loss();
            }
            assertTrue(last < first / 10, cell + ": " + first + " → " + last);
            float[] before = model.parameters().downloadAll();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.step(Batch.tokens(new int[][] {{1, 2}, {3, 4}, {5, 11}, {0, 0}},
                            new int[][] {{1, 2}, {1, 2}, {1, 2}, {1, 2}})));
            assertTrue(e.getMessage().contains("input token id 11"), e.getMessage());
            assertArrayEquals(before, model.parameters().downloadAll());
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("gated cells: worst relative error FD vs reference %.2e, CPU vs reference %.2e%n", worstFd,
                worstCpu);
    }
}

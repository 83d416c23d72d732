package io.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.reference.ReferenceRnn;
import io.rnn4j.reference.Scenario;
import io.rnn4j.train.Loss;
import io.rnn4j.train.Reduction;
import io.rnn4j.nn.CellType;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GeneratorTest {

    @ParameterizedTest
    @EnumSource(CellType.class)
    void stackedLayersStepLikeTheReference(CellType type) {
        RnnConfig cfg = RnnConfig.tokens(6, 4).outputSize(6).cell(type).layers(2).init(Init.normal(0.5)).seed(6).build();
        java.util.Map<String, float[]> values = io.rnn4j.reference.Scenario.uniformParameters(cfg, 9, 0.8);
        int[] seq = {3, 1, 5, 0};
        Batch one = Batch.tokensTimeMajor(1, seq.length, seq.clone(), new int[seq.length]);
        io.rnn4j.reference.StackedReference ref = new io.rnn4j.reference.StackedReference(cfg,
                Loss.SOFTMAX_CROSS_ENTROPY, Reduction.SUM, values);
        io.rnn4j.reference.StackedReference.Forward fw = ref.forward(one, null, null);
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg); Generator g = new Generator(model)) {
            values.forEach(model::setParameter);
            for (int t = 0; t < seq.length; t++) {
                g.feed(seq[t]);
                float[] h = g.state();
                for (int l = 0; l < 2; l++) {
                    for (int i = 0; i < 4; i++) {
                        assertEquals(fw.hs[l][t + 1][0][i], h[l * 4 + i], 2e-6, type + " layer " + l + " step " + t);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void gatedCellsStepLikeTheReference(CellType type) {
        RnnConfig cfg = RnnConfig.tokens(6, 4).outputSize(6).cell(type).init(Init.normal(0.5)).seed(5).build();
        java.util.Map<String, float[]> values = io.rnn4j.reference.Scenario.uniformParameters(cfg, 8, 0.8);
        int[] seq = {1, 4, 0, 5, 2};
        Batch one = Batch.tokensTimeMajor(1, seq.length, seq.clone(), new int[seq.length]);
        io.rnn4j.reference.GatedReference ref = new io.rnn4j.reference.GatedReference(cfg, Loss.SOFTMAX_CROSS_ENTROPY,
                Reduction.SUM, values);
        io.rnn4j.reference.GatedReference.Forward fw = ref.forward(one, null, null);
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg); Generator g = new Generator(model)) {
            values.forEach(model::setParameter);
            for (int t = 0; t < seq.length; t++) {
                g.feed(seq[t]);
                float[] h = g.state();
                for (int i = 0; i < 4; i++) {
                    assertEquals(fw.hs[t + 1][0][i], h[i], 2e-6, type + " h at step " + t);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void stepwiseStatesAndLogitsMatchTheReference(Activation a) {
        Scenario sc = new Scenario(a, true, InputKind.TOKENS, Loss.SOFTMAX_CROSS_ENTROPY, Reduction.SUM, 0, false, 77);
        int[] seq = {1, 4, 0, 5, 2, 2};
        int[] ids = seq.clone();
        Batch one = Batch.tokensTimeMajor(1, seq.length, ids, new int[seq.length]);
        ReferenceRnn ref = sc.reference();
        ReferenceRnn.Forward fw = ref.forward(one, null);
        double[] v = ref.params.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] c = ref.params.get(ParameterLayout.OUTPUT_BIAS);
        try (RnnModel model = new RnnModel(new CpuBackend(), sc.config()); Generator g = new Generator(model)) {
            sc.load(model);
            for (int t = 0; t < seq.length; t++) {
                float[] z = g.feed(seq[t]);
                float[] h = g.state();
                for (int i = 0; i < Scenario.H; i++) {
                    assertEquals(fw.hs[t + 1][0][i], h[i], 1e-6, "h at step " + t);
                }
                for (int k = 0; k < Scenario.O; k++) {
                    double want = c[k];
                    for (int i = 0; i < Scenario.H; i++) {
                        want += v[k * Scenario.H + i] * fw.hs[t + 1][0][i];
                    }
                    assertEquals(want, z[k], 1e-5, "logit " + k + " at step " + t);
                }
            }
            g.reset();
            int greedy = g.sampleNext(seq[0], 0, new SplittableRandom(1));
            g.reset();
            float[] again = g.feed(seq[0]).clone();
            int argmax = 0;
            for (int k = 1; k < again.length; k++) {
                argmax = again[k] > again[argmax] ? k : argmax;
            }
            assertEquals(argmax, greedy, "temperature 0 is greedy");
            float[] z = g.state();
            assertEquals(Scenario.H, z.length);
            assertThrows(IllegalArgumentException.class, () -> g.feed(Scenario.D));
            assertThrows(IllegalArgumentException.class, () -> g.sampleNext(0, -1, new SplittableRandom(1)));
        }
    }
}

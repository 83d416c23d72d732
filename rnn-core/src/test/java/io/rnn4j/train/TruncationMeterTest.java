package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The truncation-bias meter: exact agreement at k = K, no bias where nothing crosses a boundary
 * (U = 0, and the output layer at any k), bias that grows as k shrinks where it does.
 */
class TruncationMeterTest {
    private static final int B = 3;
    private static final int K = 12;

    private static Batch tokens(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return Batch.tokensTimeMajor(B, K, r.ints(B * K, 0, 7).toArray(), r.ints(B * K, 0, 7).toArray());
    }

    private static Batch addingLike(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[B * K * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        float[] y = new float[B];
        for (int i = 0; i < B; i++) {
            y[i] = (float) r.nextDouble();
        }
        return Batch.denseLastStep(B, K, x, 2, y, 1);
    }

    private static float[] state(RnnConfig c, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] s = new float[c.layers() * B * c.hiddenSize()];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) r.nextDouble(-0.5, 0.5);
        }
        return s;
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void atKEqualToTheWindowBothGradientsAreTheSameComputation(CellType cell) {
        RnnConfig c = RnnConfig.tokens(7, 5).cell(cell).layers(2).seed(3).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), c)) {
            float[] before = model.parameters().downloadAll();
            TruncationMeter.Report r = new TruncationMeter(model, Loss.SOFTMAX_CROSS_ENTROPY)
                    .measure(tokens(1), K, state(c, 2), state(c, 3));
            assertEquals(1.0, r.cosine(), 1e-12);
            assertEquals(1.0, r.normRatio(), 1e-12);
            assertEquals(K, r.window());
            org.junit.jupiter.api.Assertions.assertArrayEquals(before, model.parameters().downloadAll(),
                    "the model is not changed");
        }
    }

    @Test
    void withoutRecurrenceTruncationLosesNothing() {
        RnnConfig c = RnnConfig.tokens(7, 5).recurrentInit(Init.zeros()).seed(4).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), c)) {
            TruncationMeter meter = new TruncationMeter(model, Loss.SOFTMAX_CROSS_ENTROPY);
            for (int k : new int[] {1, 2, 3, 4, 6}) {
                TruncationMeter.Report r = meter.measure(tokens(5), k, state(c, 6), null);
                assertEquals(1.0, r.cosine(), 1e-6, "k = " + k);
                assertEquals(1.0, r.normRatio(), 1e-6, "k = " + k);
            }
        }
    }

    @Test
    void truncationBiasesOnlyWhatCrossesBoundariesAndGrowsAsTheWindowShrinks() {
        RnnConfig c = RnnConfig.tokens(7, 6).recurrentInit(Init.orthogonal(1.2)).seed(8).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), c)) {
            TruncationMeter meter = new TruncationMeter(model, Loss.SOFTMAX_CROSS_ENTROPY);
            double previous = 1.0;
            for (int k : new int[] {6, 2, 1}) {
                TruncationMeter.Report r = meter.measure(tokens(9), k, state(c, 10), null);
                double u = r.perParameter().get(ParameterLayout.RECURRENT_WEIGHTS)[0];
                assertEquals(1.0, r.perParameter().get(ParameterLayout.OUTPUT_WEIGHTS)[0], 1e-6,
                        "the head's gradient does not cross a boundary (k = " + k + ")");
                assertTrue(u < previous, "k = " + k + ": cosine of U's gradient " + u + " should fall below " + previous);
                previous = u;
            }
            assertTrue(previous < 0.99, "k = 1 keeps little of U's long-range gradient: cosine " + previous);
        }
    }

    @Test
    void aLastStepLossSeesOnlyTheLastWindow() {
        RnnConfig c = RnnConfig.dense(2, 6, 1).activation(io.rnn4j.backend.Activation.TANH)
                .recurrentInit(Init.orthogonal(1.0)).seed(2).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), c)) {
            TruncationMeter meter = new TruncationMeter(model, Loss.MSE_LAST_STEP);
            TruncationMeter.Report same = meter.measure(addingLike(3), K, null, null);
            assertEquals(1.0, same.cosine(), 1e-12);
            TruncationMeter.Report one = meter.measure(addingLike(3), 1, null, null);
            double head = one.perParameter().get(ParameterLayout.OUTPUT_WEIGHTS)[0];
            assertEquals(1.0, head, 1e-6, "the head sees the same last state");
            assertTrue(one.perParameter().get(ParameterLayout.INPUT_WEIGHTS)[0] < 0.999,
                    "k = 1 drops the input weights' gradient from every step but the last");
        }
    }

    @Test
    void badWindowsAreRefused() {
        try (RnnModel model = new RnnModel(new CpuBackend(), RnnConfig.tokens(7, 5).build())) {
            TruncationMeter meter = new TruncationMeter(model, Loss.SOFTMAX_CROSS_ENTROPY);
            assertThrows(IllegalArgumentException.class, () -> meter.measure(tokens(1), 5, null, null));
            assertThrows(IllegalArgumentException.class,
                    () -> meter.measure(tokens(1).withLengths(new int[] {K, K, 2}), 4, null, null));
        }
    }
}

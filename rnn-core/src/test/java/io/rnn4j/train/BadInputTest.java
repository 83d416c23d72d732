package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets an exception that names the problem and the position, and leaves parameters,
 * optimizer state, step count and the carried state unchanged.
 */
class BadInputTest {
    static final int V = 5;
    static final int H = 4;

    private static void assertRejected(RnnConfig cfg, TrainerConfig tc, Batch good, Function<Void, Batch> bad,
                                       String... fragments) {
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg); Trainer trainer = new Trainer(model, tc)) {
            trainer.step(good); // optimizer state and carried state become non-trivial
            float[] params = model.parameters().downloadAll();
            float[] state = trainer.optimizerState(0);
            float[] hidden = trainer.hiddenState();
            long steps = trainer.stepCount();
            Exception e = assertThrows(IllegalArgumentException.class, () -> trainer.step(bad.apply(null)));
            for (String f : fragments) {
                assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should name '" + f + "'");
            }
            assertArrayEquals(params, model.parameters().downloadAll(), "parameters unchanged");
            assertArrayEquals(state, trainer.optimizerState(0), "optimizer state unchanged");
            assertArrayEquals(hidden, trainer.hiddenState(), "carried state unchanged");
            assertEquals(steps, trainer.stepCount());
            trainer.step(good); // still usable
        }
    }

    private static TrainerConfig carrying(Loss loss) {
        return TrainerConfig.builder().loss(loss).optimizer(OptimizerConfig.adam(0.01)).carryState(true).build();
    }

    private static Batch tokens(int[][] in, int[][] out) {
        return Batch.tokens(in, out);
    }

    private static final int[][] GOOD = {{1, 2, 3}, {4, 0, 1}};

    @Test
    void tokenIdOutsideTheVocabulary() {
        RnnConfig cfg = RnnConfig.tokens(V, H).build();
        assertRejected(cfg, carrying(Loss.SOFTMAX_CROSS_ENTROPY), tokens(GOOD, GOOD),
                x -> tokens(new int[][] {{1, 2, 3}, {4, 5, 1}}, GOOD), "input token id 5", "batch 1", "step 1", "[0, 5)");
        assertRejected(cfg, carrying(Loss.SOFTMAX_CROSS_ENTROPY), tokens(GOOD, GOOD),
                x -> tokens(new int[][] {{-1, 2, 3}, {4, 0, 1}}, GOOD), "input token id -1", "batch 0", "step 0");
        assertRejected(cfg, carrying(Loss.SOFTMAX_CROSS_ENTROPY), tokens(GOOD, GOOD),
                x -> tokens(GOOD, new int[][] {{1, 2, 3}, {4, 0, 9}}), "target token id 9", "batch 1", "step 2");
    }

    @Test
    void nanAndInfiniteInputsAndTargets() {
        RnnConfig cfg = RnnConfig.dense(2, H, 1).build();
        float[] x = new float[3 * 2 * 2];
        float[] y = new float[3 * 2];
        Batch good = Batch.denseTimeMajor(2, 3, x, 2, y, 1);
        float[] badX = x.clone();
        badX[(2 * 2 + 1) * 2 + 1] = Float.NaN; // step 2, batch 1, feature 1
        assertRejected(cfg, carrying(Loss.MSE_EVERY_STEP), good, v -> Batch.denseTimeMajor(2, 3, badX, 2, y, 1),
                "input value NaN", "batch 1", "step 2", "feature 1");
        float[] badY = y.clone();
        badY[1 * 2 + 0] = Float.POSITIVE_INFINITY;
        assertRejected(cfg, carrying(Loss.MSE_EVERY_STEP), good, v -> Batch.denseTimeMajor(2, 3, x, 2, badY, 1),
                "target value Infinity", "batch 0", "step 1");
    }

    @Test
    void shapeMismatchWithTheModel() {
        RnnConfig cfg = RnnConfig.dense(2, H, 1).build();
        Batch good = Batch.denseTimeMajor(2, 3, new float[12], 2, new float[6], 1);
        assertRejected(cfg, carrying(Loss.MSE_EVERY_STEP), good,
                v -> Batch.denseTimeMajor(2, 3, new float[18], 3, new float[6], 1), "input width 3", "2");
        assertRejected(cfg, carrying(Loss.MSE_EVERY_STEP), good,
                v -> Batch.denseTimeMajor(2, 3, new float[12], 2, new float[12], 2), "target width 2");
        assertRejected(cfg, carrying(Loss.MSE_EVERY_STEP), good,
                v -> tokens(GOOD, GOOD), "dense vectors", "token ids");
        assertRejected(cfg, carrying(Loss.MSE_EVERY_STEP), good,
                v -> Batch.denseLastStep(2, 3, new float[12], 2, new float[2], 1), "every step");
    }

    @Test
    void structuralErrorsAreCaughtWhenTheBatchIsBuilt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Batch.tokensTimeMajor(0, 3, new int[0], new int[0]));
        assertTrue(e.getMessage().contains("B must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batch.tokensTimeMajor(2, 0, new int[0], new int[0]));
        assertTrue(e.getMessage().contains("T must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batch.tokens(new int[0][], new int[0][]));
        assertTrue(e.getMessage().contains("B must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Batch.tokensTimeMajor(2, 3, new int[5], new int[6]));
        assertTrue(e.getMessage().contains("expected T·B = 6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batch.tokens(GOOD, GOOD).withLossMask(new float[5]));
        assertTrue(e.getMessage().contains("loss mask") && e.getMessage().contains("6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batch.tokens(GOOD, GOOD).withLengths(new int[] {3}));
        assertTrue(e.getMessage().contains("lengths"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batch.tokens(GOOD, GOOD).withLengths(new int[] {3, 4}));
        assertTrue(e.getMessage().contains("sequence 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Batch.tokens(GOOD, GOOD).withLossMask(new float[] {1, 1, Float.NaN, 1, 1, 1}));
        assertTrue(e.getMessage().contains("batch 0, step 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batch.tokens(GOOD, new int[][] {{1, 2}, {3, 4}}));
        assertTrue(e.getMessage().contains("targets: sequence 0 has 2 steps"), e.getMessage());
    }

    @Test
    void paddedPositionsAreNotValidated() {
        RnnConfig cfg = RnnConfig.tokens(V, H).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, carrying(Loss.SOFTMAX_CROSS_ENTROPY))) {
            int[][] in = {{1, 2, -1}, {4, 0, 1}};
            StepResult r = trainer.step(Batch.tokens(in, new int[][] {{1, 2, -1}, {4, 0, 1}}).withLengths(new int[] {2, 3}));
            assertEquals(5, r.tokens());
        }
    }

    @Test
    void nonFiniteGradientSkipsTheUpdate() {
        RnnConfig cfg = RnnConfig.dense(1, 2, 1).activation(Activation.IDENTITY).recurrentInit(Init.identity(1e19))
                .inputInit(Init.uniform(1)).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_EVERY_STEP)
                     .optimizer(OptimizerConfig.sgd(0.1)).build())) {
            float[] before = model.parameters().downloadAll();
            float[] x = {1f, 1f, 1f};
            NonFiniteException e = assertThrows(NonFiniteException.class,
                    () -> trainer.step(Batch.denseTimeMajor(1, 3, x, 1, new float[3], 1)));
            assertTrue(e.getMessage().contains("unchanged"), e.getMessage());
            assertArrayEquals(before, model.parameters().downloadAll());
            assertEquals(0, trainer.stepCount());
        }
    }

    @Test
    void configErrors() {
        assertThrows(IllegalArgumentException.class, () -> RnnConfig.tokens(0, 4).build());
        assertThrows(IllegalArgumentException.class, () -> RnnConfig.tokens(4, 0).build());
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.sgd(-1));
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.sgd(0.1, 1.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RnnConfig.dense(3, 4, 2).inputInit(Init.identity(1)).build());
        assertTrue(e.getMessage().contains("identity"), e.getMessage());
        try (RnnModel model = new RnnModel(new CpuBackend(), RnnConfig.tokens(3, 2).build())) {
            e = assertThrows(IllegalArgumentException.class, () -> model.setParameter("recurrentWeights", new float[3]));
            assertTrue(e.getMessage().contains("2x2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.setParameter("recurrentWeights", new float[] {0, 0, Float.NaN, 0}));
            assertTrue(e.getMessage().contains("index 2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> model.setParameter("nope", new float[1]));
            assertTrue(e.getMessage().contains("nope"), e.getMessage());
        }
    }
}

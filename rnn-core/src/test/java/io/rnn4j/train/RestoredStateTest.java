package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * State an optimizer could never produce is refused on restore (a negative accumulator of squares would
 * write NaN into every parameter at the next step, reported as a normal update), the step count is
 * bounded, and a schedule that decays to a rate of 0 trains on (reliability round 3, items 2 and 3).
 */
class RestoredStateTest {
    private static final RnnConfig MODEL = RnnConfig.tokens(7, 5).seed(3).build();
    private static final Batch BATCH = Batch.tokens(new int[][] {{1, 2, 3}, {4, 5, 6}}, new int[][] {{2, 3, 4}, {5, 6, 0}});

    @Test
    void negativeAccumulatorsOfSquaresAreRefusedAndChangeNothing() {
        List<OptimizerConfig> optimizers = List.of(OptimizerConfig.adagrad(0.1), OptimizerConfig.rmsprop(0.01),
                OptimizerConfig.rmsprop(0.01).centered().momentum(0.5), OptimizerConfig.adam(0.01),
                OptimizerConfig.adamW(0.01));
        int[] squaresArena = {0, 0, 0, 1, 1};
        for (int o = 0; o < optimizers.size(); o++) {
            OptimizerConfig opt = optimizers.get(o);
            try (RnnModel model = new RnnModel(new CpuBackend(), MODEL);
                 Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(opt).build())) {
                trainer.step(BATCH);
                TrainingState good = trainer.snapshot();
                float[] params = model.parameters().downloadAll();
                float[][] states = good.optimizerStates().clone();
                states[squaresArena[o]] = states[squaresArena[o]].clone();
                states[squaresArena[o]][3] = -1e-3f;
                TrainingState bad = new TrainingState(good.step(), states, good.batchSize(), good.hidden(), good.cell());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.restore(bad),
                        opt.toString());
                assertTrue(e.getMessage().contains("can never be negative") && e.getMessage().contains("index 3"),
                        e.getMessage());
                assertArrayEquals(params, model.parameters().downloadAll(), "the model is unchanged: " + opt);
                assertArrayEquals(good.optimizerStates()[squaresArena[o]], trainer.snapshot().optimizerStates()[
                        squaresArena[o]], "the optimizer is unchanged: " + opt);
                StepResult r = trainer.step(BATCH);
                assertTrue(r.updated() && r.nonFinite() == null, opt + " trains on");
                for (float p : model.parameters().downloadAll()) {
                    assertTrue(Float.isFinite(p), opt + ": " + p);
                }
            }
        }
    }

    @Test
    void aStepCountThatWouldOverflowIsRefused() {
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01))
                     .schedule(LearningRateSchedule.cosine(100, 0).withWarmup(10)).build())) {
            TrainingState s = trainer.snapshot();
            for (long step : new long[] {Long.MAX_VALUE, (1L << 53) + 1}) {
                TrainingState bad = new TrainingState(step, s.optimizerStates(), s.batchSize(), s.hidden(), s.cell());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.restore(bad));
                assertTrue(e.getMessage().contains("[0, 2^53]"), e.getMessage());
            }
            trainer.restore(new TrainingState(1L << 53, s.optimizerStates(), s.batchSize(), s.hidden(), s.cell()));
            assertEquals(1L << 53, trainer.stepCount());
        }
    }

    /** cosine(T, 0) reaches a rate of 0 after T updates: the steps after it run and move nothing. */
    @Test
    void aScheduleThatEndsAtZeroTrainsOnWithoutMovingTheParameters() {
        for (OptimizerConfig opt : List.of(OptimizerConfig.sgd(0.1), OptimizerConfig.adamW(0.01).weightDecay(0.1))) {
            try (RnnModel model = new RnnModel(new CpuBackend(), MODEL);
                 Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(opt)
                         .schedule(LearningRateSchedule.parse("cosine:3")).build())) {
                for (int i = 0; i < 3; i++) {
                    assertTrue(trainer.step(BATCH).learningRate() > 0);
                }
                float[] before = model.parameters().downloadAll();
                for (int i = 0; i < 3; i++) {
                    StepResult r = trainer.step(BATCH);
                    assertEquals(0f, r.learningRate(), opt + ", update " + r.step());
                    assertTrue(r.updated(), "a rate of 0 is a valid update");
                }
                assertArrayEquals(before, model.parameters().downloadAll(), opt + ": a rate of 0 moves nothing");
                assertEquals(6, trainer.stepCount());
            }
        }
        assertFalse(LearningRateSchedule.cosine(3, 0).factor(4) < 0);
        assertThrows(IllegalArgumentException.class, () -> OptimizerConfig.sgd(0), "a base rate of 0 is still refused");
    }
}

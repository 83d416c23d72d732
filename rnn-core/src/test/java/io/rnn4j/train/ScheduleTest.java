package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Learning-rate schedules: PyTorch's formulas, the rate in every StepResult, and a resume that continues exactly. */
class ScheduleTest {
    @TempDir
    Path dir;

    @Test
    void factorsFollowPyTorchsSchedulers() {
        LearningRateSchedule step = LearningRateSchedule.stepDecay(3, 0.5);
        double[] want = {1, 1, 1, 0.5, 0.5, 0.5, 0.25};
        for (int t = 1; t <= want.length; t++) {
            assertEquals(want[t - 1], step.factor(t), 1e-15, "StepLR at update " + t);
        }
        LearningRateSchedule exp = LearningRateSchedule.exponential(0.9);
        assertEquals(1, exp.factor(1));
        assertEquals(0.9 * 0.9, exp.factor(3), 1e-15);
        LearningRateSchedule cos = LearningRateSchedule.cosine(10, 0.1);
        assertEquals(1, cos.factor(1), 1e-15);
        assertEquals(0.1 + 0.9 * (1 + Math.cos(Math.PI * 4 / 10)) / 2, cos.factor(5), 1e-15);
        assertEquals(0.1, cos.factor(11), 1e-15);
        assertEquals(0.1, cos.factor(500), 1e-15, "stays at the floor after T");
        LearningRateSchedule warm = LearningRateSchedule.cosine(10, 0).withWarmup(4);
        assertEquals(0.25, warm.factor(1), 1e-15);
        assertEquals(1, warm.factor(4), 1e-15);
        assertEquals(cos(10, 0, 1), warm.factor(5), 1e-15, "the cosine starts after the warm-up");
        assertEquals(cos(10, 0, 3), warm.factor(7), 1e-15);
    }

    private static double cos(long period, double min, long t) {
        return LearningRateSchedule.cosine(period, min).factor(t);
    }

    @Test
    void textRoundTripsAndBadTextIsNamed() {
        for (String s : new String[] {"constant", "step:100:0.5", "exp:0.999", "cosine:1000:0.01",
            "warmup:50+cosine:1000:0.0"}) {
            assertEquals(LearningRateSchedule.parse(s), LearningRateSchedule.parse(LearningRateSchedule.parse(s).spec()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.parse("step:0:0.5"));
        assertTrue(e.getMessage().contains("interval must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("exp:1.5"));
        assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("linear"));
        assertTrue(e.getMessage().contains("unknown schedule 'linear'"), e.getMessage());
    }

    private static Batch batch(int i) {
        int[][] in = {{(i + 1) % 7, 2, 3, 4}, {5, 6, (i + 2) % 7, 1}};
        int[][] out = {{2, 3, 4, 5}, {6, 0, 1, (i + 3) % 7}};
        return Batch.tokens(in, out);
    }

    @Test
    void everyStepReportsItsRateAndAResumedRunContinuesTheSchedule() throws Exception {
        RnnConfig cfg = RnnConfig.tokens(7, 5).seed(3).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.1, 0.9))
                .schedule(LearningRateSchedule.stepDecay(3, 0.5).withWarmup(2)).carryState(true).build();
        List<Double> rates = new ArrayList<>();
        float[] straight;
        try (RnnModel m = new RnnModel(new CpuBackend(), cfg); Trainer t = new Trainer(m, tc)) {
            for (int i = 0; i < 9; i++) {
                rates.add(t.step(batch(i)).learningRate());
            }
            straight = m.parameters().downloadAll();
        }
        double[] want = {0.05, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025};
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], rates.get(i), 1e-7, "update " + (i + 1));
        }
        Path file = dir.resolve("s.safetensors");
        try (RnnModel m = new RnnModel(new CpuBackend(), cfg); Trainer t = new Trainer(m, tc)) {
            for (int i = 0; i < 5; i++) {
                t.step(batch(i));
            }
            Checkpoint.save(file, t, null);
            assertEquals(0.05, Double.parseDouble(Checkpoint.read(file).metadata().get("learningRate")), 1e-7,
                    "the checkpoint says the rate of the next update");
        }
        try (CpuBackend be = new CpuBackend(); Trainer t = Checkpoint.load(file, be)) {
            assertEquals(tc.schedule(), t.config().schedule());
            for (int i = 5; i < 9; i++) {
                assertEquals(want[i], t.step(batch(i)).learningRate(), 1e-7, "resumed update " + (i + 1));
            }
            assertArrayEquals(straight, t.model().parameters().downloadAll(), "bit-identical with a schedule");
            t.model().close();
        }
    }
}

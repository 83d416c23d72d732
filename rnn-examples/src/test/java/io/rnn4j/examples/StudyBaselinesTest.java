package io.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.data.Batch;
import io.rnn4j.data.SyntheticTasks;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The studies' test sets and baselines: sizes, the test set's own constant predictor, the verdicts. */
class StudyBaselinesTest {
    @Test
    void aTestSetHasExactlyTheSequencesAskedForInBatchesOfAtMost512() {
        Batch[] set = Studies.testSet(1100, n -> SyntheticTasks.adding(n, 5, new SplittableRandom(n)));
        assertArrayEquals(new int[] {512, 512, 76}, Arrays.stream(set).mapToInt(Batch::batchSize).toArray());
        assertEquals(1, Studies.testSet(1, n -> SyntheticTasks.adding(n, 5, new SplittableRandom(1))).length);
    }

    @Test
    void theConstantPredictorIsTheTestSetsOwnVariance() {
        float[] y = {0.5f, 1.5f, 1.0f, 2.0f};
        Batch b = Batch.denseLastStep(4, 1, new float[8], 2, y, 1);
        double mean = 1.25;
        double var = 0;
        for (float v : y) {
            var += (v - mean) * (v - mean) / 4;
        }
        assertEquals(var, Studies.constantPredictorMse(new Batch[] {b}), 1e-12);
        // On a small test set it is far from 1/6 (what the old fixed baseline hid); on 4096 sequences it is near.
        SplittableRandom r = new SplittableRandom(7);
        double big = Studies.constantPredictorMse(Studies.testSet(Studies.TEST_SEQUENCES,
                n -> SyntheticTasks.adding(n, 100, r)));
        assertEquals(SyntheticTasks.ADDING_BASELINE, big, 0.01, "4096 sequences: within 0.01 of 1/6");
    }

    @Test
    void theVerdictIsGradedAgainstTheBaseline() {
        assertTrue(Studies.verdict(0.001, 0.17, "x").startsWith("solved"));
        assertTrue(Studies.verdict(0.65 * 0.17, 0.17, "x").startsWith("learning: below x (0.650× x)"),
                Studies.verdict(0.65 * 0.17, 0.17, "x"));
        assertTrue(Studies.verdict(0.17, 0.17, "x").startsWith("no better than x"));
    }
}

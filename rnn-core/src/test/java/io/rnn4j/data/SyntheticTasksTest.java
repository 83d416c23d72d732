package io.rnn4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The study data generators: their statistics and the baselines of trivial predictors. */
class SyntheticTasksTest {

    @Test
    void addingProblemStatisticsAndTheConstantBaseline() {
        SplittableRandom r = new SplittableRandom(1);
        int t = 40;
        double sse = 0;
        double sum = 0;
        int n = 0;
        for (int k = 0; k < 200; k++) {
            Batch b = SyntheticTasks.adding(64, t, r);
            float[] x = b.inputs();
            for (int s = 0; s < 64; s++) {
                int m1 = -1;
                int m2 = -1;
                for (int step = 0; step < t; step++) {
                    float marker = x[(step * 64 + s) * 2 + 1];
                    float value = x[(step * 64 + s) * 2];
                    assertTrue(value >= 0 && value < 1);
                    if (marker == 1f) {
                        if (m1 < 0) {
                            m1 = step;
                        } else {
                            m2 = step;
                        }
                    } else {
                        assertEquals(0f, marker);
                    }
                }
                assertTrue(m1 >= 0 && m1 < t / 2, "one marker in the first half");
                assertTrue(m2 >= t / 2 && m2 < t, "one marker in the second half");
                float y = b.targets()[s];
                assertEquals(x[(m1 * 64 + s) * 2] + x[(m2 * 64 + s) * 2], y, 1e-6f);
                sse += (y - 1.0) * (y - 1.0);
                sum += y;
                n++;
            }
        }
        assertEquals(1.0, sum / n, 0.02, "mean target");
        assertEquals(SyntheticTasks.ADDING_BASELINE, sse / n, 0.01, "the constant predictor 1 scores 1/6");
    }

    @Test
    void copyProblemLayoutAndTheMemorylessBaseline() {
        int t = 30;
        SplittableRandom r = new SplittableRandom(2);
        Batch b = SyntheticTasks.copy(16, t, r);
        assertEquals(t + 20, b.steps());
        int[] in = b.inputIds();
        int[] out = b.targetIds();
        double ce = 0;
        for (int s = 0; s < 16; s++) {
            for (int step = 0; step < t + 20; step++) {
                int x = in[step * 16 + s];
                int y = out[step * 16 + s];
                if (step < 10) {
                    assertTrue(x >= 1 && x <= 8, "symbols first");
                    assertEquals(x, out[(t + 10 + step) * 16 + s], "reproduced at the end");
                } else if (step == t + 9) {
                    assertEquals(9, x, "delimiter");
                } else {
                    assertEquals(0, x, "blank");
                }
                // The memoryless predictor: blank with certainty, then uniform over the 8 symbols.
                ce += step < t + 10 ? (y == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.log(8);
            }
        }
        assertEquals(SyntheticTasks.copyBaseline(t), ce / (16 * (t + 20)), 1e-12);
        assertEquals(10 * Math.log(8) / 50, SyntheticTasks.copyBaseline(30), 1e-15);
    }

    /** Pascanu's adding task as the authors' code makes it: lengths, marker windows, the mean as target. */
    @org.junit.jupiter.api.Test
    void pascanusAddingTaskHasTheCodesLengthsMarkersAndMeanTarget() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        java.util.Set<Integer> lengths = new java.util.TreeSet<>();
        for (int trial = 0; trial < 200; trial++) {
            int base = SyntheticTasks.pascanuLength(50, 200, r);
            org.junit.jupiter.api.Assertions.assertTrue(base >= 50 && base < 200, "base " + base);
            Batch b = SyntheticTasks.addingPascanu(8, base, r);
            int l = b.steps();
            lengths.add(l);
            org.junit.jupiter.api.Assertions.assertTrue(l >= base && l < base + base / 10, "l " + l + " for " + base);
            for (int s = 0; s < 8; s++) {
                java.util.List<Integer> marked = new java.util.ArrayList<>();
                for (int t = 0; t < l; t++) {
                    float m = b.inputs()[(t * 8 + s) * 2 + 1];
                    org.junit.jupiter.api.Assertions.assertTrue(m == 0f || m == 1f);
                    if (m == 1f) {
                        marked.add(t);
                    }
                }
                org.junit.jupiter.api.Assertions.assertEquals(2, marked.size(), "two markers");
                int p0 = marked.get(0);
                int p1 = marked.get(1);
                org.junit.jupiter.api.Assertions.assertTrue(p0 < l / 10, "p0 " + p0 + " in the first 10% of " + l);
                org.junit.jupiter.api.Assertions.assertTrue(p1 >= l / 10 && p1 < l / 10 + (int) (l * 0.4),
                        "p1 " + p1 + " in [10%, 50%) of " + l);
                float mean = (b.inputs()[(p0 * 8 + s) * 2] + b.inputs()[(p1 * 8 + s) * 2]) / 2;
                org.junit.jupiter.api.Assertions.assertEquals(mean, b.targets()[s], 0f, "the mean of the marked values");
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(lengths.size() > 50, "lengths vary: " + lengths.size());
        org.junit.jupiter.api.Assertions.assertEquals(50, SyntheticTasks.pascanuLength(50, 50, r));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SyntheticTasks.addingPascanu(2, 9, r));
    }
}

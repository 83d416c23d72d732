package io.rnn4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InitTest {
    private static float[] fill(Init i, int rows, int cols) {
        return i.fill(rows, cols, 64, cols, rows, new SplittableRandom(1));
    }

    @Test
    void uniformBounds() {
        float[] w = fill(Init.uniformInvSqrtHidden(), 32, 32);
        double bound = 1 / Math.sqrt(64);
        double max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= bound && max > 0.9 * bound, "max " + max);
        float[] g = Init.glorot().fill(10, 30, 64, 30, 10, new SplittableRandom(1));
        double gb = Math.sqrt(6.0 / 40);
        for (float v : g) {
            assertTrue(Math.abs(v) <= gb);
        }
    }

    @Test
    void orthogonalRowsOrColumnsAreOrthonormalTimesGain() {
        for (int[] shape : new int[][] {{8, 8}, {5, 12}, {12, 5}}) {
            int r = shape[0];
            int c = shape[1];
            float[] w = fill(Init.orthogonal(2.0), r, c);
            boolean byRows = r <= c;
            int n = byRows ? r : c;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int k = 0; k < (byRows ? c : r); k++) {
                        double a = byRows ? w[i * c + k] : w[k * c + i];
                        double b = byRows ? w[j * c + k] : w[k * c + j];
                        dot += a * b;
                    }
                    assertEquals(i == j ? 4.0 : 0.0, dot, 1e-5, "gain² on the diagonal, 0 elsewhere");
                }
            }
        }
    }

    @Test
    void identityAndNormal() {
        float[] w = fill(Init.identity(0.5), 3, 3);
        assertArrayEquals(new float[] {0.5f, 0, 0, 0, 0.5f, 0, 0, 0, 0.5f}, w);
        assertThrows(IllegalArgumentException.class, () -> fill(Init.identity(1), 2, 3));
        float[] n = fill(Init.normal(0.01), 200, 200);
        double s = 0;
        double ss = 0;
        for (float v : n) {
            s += v;
            ss += v * v;
        }
        double mean = s / n.length;
        double std = Math.sqrt(ss / n.length - mean * mean);
        assertEquals(0.0, mean, 2e-4);
        assertEquals(0.01, std, 2e-4);
    }

    @Test
    void parse() {
        assertEquals(Init.identity(1.0), Init.parse("irnn"));
        assertEquals(Init.normal(0.01), Init.parse("normal:0.01"));
        assertEquals(Init.orthogonal(1.5), Init.parse("orthogonal:1.5"));
        assertEquals(Init.uniformInvSqrtHidden(), Init.parse("uniform"));
        assertThrows(IllegalArgumentException.class, () -> Init.parse("normal"));
        assertThrows(IllegalArgumentException.class, () -> Init.parse("he"));
    }

    @Test
    void modelInitializationIsSeededAndPerMatrix() {
        try (CpuBackend be = new CpuBackend();
             RnnModel a = new RnnModel(be, RnnConfig.tokens(7, 5).seed(3).build());
             RnnModel b = new RnnModel(be, RnnConfig.tokens(7, 5).seed(3).recurrentInit(Init.orthogonal(1)).build())) {
            assertArrayEquals(a.parameter("inputWeights"), b.parameter("inputWeights"),
                    "changing U's initializer leaves W unchanged");
            assertArrayEquals(a.parameter("outputWeights"), b.parameter("outputWeights"));
            assertArrayEquals(new float[5], a.parameter("hiddenBias"), "biases start at zero");
            assertEquals(5 * 5 + 7 * 5 + 5 + 7 * 5 + 7, a.parameterCount());
        }
    }
}

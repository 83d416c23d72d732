package io.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Kernels#sumSquares} gives the documented sums in the documented order (element i into double
 * accumulator i mod 16, the sixteen added in order) over every chunk boundary and tail, from an offset
 * into the buffer, and agrees with a float64 sum to double rounding.
 */
class SumSquaresTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 33, 4095, 4096, 4097, 8192 + 7, 33_024, 100_003})
    void sixteenAccumulatorsInElementOrder(int n) {
        int off = 5;
        FloatBuffer x = ByteBuffer.allocateDirect(4 * (n + off + 3)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        SplittableRandom r = new SplittableRandom(n);
        for (int i = 0; i < n + off + 3; i++) {
            x.put(i, (float) ((r.nextDouble() * 2 - 1) * Math.pow(10, r.nextInt(-6, 4))));
        }
        double[] acc = new double[16];
        double plain = 0;
        for (int i = 0; i < n; i++) {
            double v = x.get(off + i);
            acc[i % 16] += v * v;
            plain += v * v;
        }
        double want = 0;
        for (double a : acc) {
            want += a;
        }
        double got = Kernels.sumSquares(x, off, n);
        assertEquals(want, got, 0.0, n + " floats: the documented order's bits");
        assertEquals(plain, got, 1e-13 * Math.max(plain, Double.MIN_NORMAL), n + " floats: a float64 sum");
    }
}

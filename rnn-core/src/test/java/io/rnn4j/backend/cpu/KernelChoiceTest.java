package io.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The kernel of a shape is chosen by timing both candidates once, and the faster serves every later
 * call; OpenBLAS keeps a shape unless the packed kernel is clearly faster.
 */
class KernelChoiceTest {
    /** A kernel that takes {@code nanos} per call and counts its calls. */
    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static final class SlowBlas implements Gemm {
        final long nanos;
        final AtomicInteger calls = new AtomicInteger();

        SlowBlas(long nanos) {
            this.nanos = nanos;
        }

        @Override
        public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CpuBuffer a, long aOffset,
                          int lda, CpuBuffer b, long bOffset, int ldb, float beta, CpuBuffer c, long cOffset, int ldc) {
            calls.incrementAndGet();
            spin(nanos);
        }

        @Override
        public String describe() {
            return "slow";
        }
    }

    private static final class SlowPacked implements PackedGemm {
        final long nanos;
        final AtomicInteger calls = new AtomicInteger();

        SlowPacked(long nanos) {
            this.nanos = nanos;
        }

        @Override
        public int panelWidth() {
            return 16;
        }

        @Override
        public float[] pack(FloatBuffer m, long mo, int ld, boolean transpose, int k, int n, float[] into) {
            return new float[1];
        }

        @Override
        public void multiplyAdd(FloatBuffer a, int ao, int lda, int rows, int k, float[] packed, int n, FloatBuffer c,
                                int co, int ldc) {
            calls.incrementAndGet();
            spin(nanos);
        }

        @Override
        public void multiplyFrom(FloatBuffer bias, int bo, FloatBuffer a, int ao, int lda, int rows, int k,
                                 float[] packed, int n, FloatBuffer c, int co, int ldc) {
            multiplyAdd(a, ao, lda, rows, k, packed, n, c, co, ldc);
        }

        @Override
        public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a, int ao,
                         int lda, FloatBuffer b, int bo, int ldb, float beta, FloatBuffer c, int co, int ldc) {
            calls.incrementAndGet();
            spin(nanos);
        }
    }

    @Test
    void eachShapeIsTimedOnceAndTheFasterKernelServesIt() {
        SlowBlas blas = new SlowBlas(400_000);
        SlowPacked packed = new SlowPacked(100_000);
        assertTrue(KernelChoice.packedGemm(false, true, 101, 203, 305, blas, packed), "packed is 4x faster");
        int timed = packed.calls.get();
        assertTrue(timed >= 4 && blas.calls.get() >= 4, "both were timed: " + timed + ", " + blas.calls.get());
        for (int i = 0; i < 100; i++) {
            assertTrue(KernelChoice.packedGemm(false, true, 101, 203, 305, blas, packed));
        }
        assertEquals(timed, packed.calls.get(), "a known shape is not timed again");
        SlowBlas fast = new SlowBlas(50_000);
        assertFalse(KernelChoice.packedRecurrent(17, 305, 203, fast, new SlowPacked(400_000)), "OpenBLAS is faster");
        SlowBlas tie = new SlowBlas(200_000);
        assertFalse(KernelChoice.packedGemm(true, false, 97, 211, 307, tie, new SlowPacked(198_000)),
                "a tie keeps OpenBLAS");
        String d = KernelChoice.decisions().toString();
        assertTrue(d.contains("gemm 101x203x305 Bᵀ=packed") && d.contains("recurrent step 17x203x305=OpenBLAS"), d);
    }
}

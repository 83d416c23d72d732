package io.rnn4j.bench;

import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's physical fp32 FMA throughput, measured: per thread, {@link #CHAINS} independent
 * fused multiply-add chains on the widest vectors the JVM offers (enough chains to cover the FMA
 * latency times the FMA ports of current x86 and Arm cores), all threads at once. Loaded only when
 * the Vector API module is there ({@link PeakCommand}).
 */
final class PeakFma {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators per thread. */
    static final int CHAINS = 16;

    private PeakFma() {
    }

    static int lanes() {
        return S.length();
    }

    /** {@code iterations} rounds of {@link #CHAINS} FMAs; answers a value that depends on all of them. */
    static float burn(long iterations) {
        FloatVector a = FloatVector.broadcast(S, 0.9999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        FloatVector c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
            c12 = c12.fma(a, b);
            c13 = c13.fma(a, b);
            c14 = c14.fma(a, b);
            c15 = c15.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .add(c12).add(c13).add(c14).add(c15).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /** GFLOP/s of {@code threads} threads burning at once for about {@code seconds}. */
    static double gflops(int threads, double seconds) throws InterruptedException {
        // Calibrate one thread's rate (the JIT compiles burn in the first calls).
        long n = 1 << 16;
        long t0 = 0;
        for (int i = 0; i < 12; i++) {
            t0 = System.nanoTime();
            burn(n);
            long dt = System.nanoTime() - t0;
            if (dt < 20_000_000L) {
                n *= 2;
            }
        }
        t0 = System.nanoTime();
        burn(n);
        double perIteration = (System.nanoTime() - t0) / (double) n;
        long iterations = Math.max(1, (long) (seconds * 1e9 / perIteration));
        CountDownLatch start = new CountDownLatch(1);
        float[] sink = new float[threads];
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                sink[id] = burn(iterations);
            }, "peak-" + t);
            ts[t].start();
        }
        long begin = System.nanoTime();
        start.countDown();
        for (Thread t : ts) {
            t.join();
        }
        double elapsed = (System.nanoTime() - begin) / 1e9;
        float check = 0;
        for (float f : sink) {
            check += f;
        }
        if (!(check > 0)) {
            throw new IllegalStateException("FMA chains gave " + check);
        }
        return 2.0 * lanes() * CHAINS * iterations * threads / elapsed / 1e9;
    }
}

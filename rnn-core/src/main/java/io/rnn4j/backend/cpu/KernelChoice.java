package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which kernel runs a product, decided by measurement, not by a fixed rule: where both OpenBLAS and
 * the packed Vector API GEMM ({@link PackedGemm}) can run a shape, the first call of that shape times
 * both on scratch operands of the same shape (alternating, the best of at least three runs each) and
 * the faster one serves every later call in this JVM (each is timed until its best time settles, so
 * that the JIT has compiled it). Which one wins depends on the machine: on a
 * 16-lane AVX-512 core whose OpenBLAS runs AVX2 kernels the packed kernel wins nearly everywhere; on an
 * AVX2 core OpenBLAS wins the large general products and the packed kernel the per-step recurrent
 * products, whose U it packs once per sequence instead of at every step. OpenBLAS keeps a shape unless
 * the packed kernel is at least 5% faster.
 *
 * <p>Decisions are per process (shared by every backend, so two backends of one JVM compute the same
 * bits) and keyed by the exact shape of one thread's part. Timing uses scratch data, never the call's
 * own operands, so a result does not depend on when a decision was taken. {@code -Drnn4j.cpu.kernels=}
 * {@code openblas} or {@code packed} fixes the choice (for bit-identical results across processes, or
 * to compare); {@code auto} is the default.
 */
final class KernelChoice {
    /** The switch: {@code auto} (measure), {@code openblas} or {@code packed}. */
    static final String PROPERTY = "rnn4j.cpu.kernels";
    private static final Logger LOG = LoggerFactory.getLogger(KernelChoice.class);
    private static final String MODE = System.getProperty(PROPERTY, "auto").trim().toLowerCase(java.util.Locale.ROOT);
    private static final Map<String, Boolean> DECISIONS = new ConcurrentHashMap<>();
    private static final Map<String, double[]> TIMES = new ConcurrentHashMap<>();
    private static final ShapeTable FAST = new ShapeTable();
    private static final boolean AUTO = !MODE.equals("openblas") && !MODE.equals("packed");
    private static final boolean PACKED = MODE.equals("packed");

    private KernelChoice() {
    }

    /** Whether the packed GEMM should run the general product of this shape (one thread's part). */
    static boolean packedGemm(boolean ta, boolean tb, int m, int n, int k, Gemm blas, PackedGemm packed) {
        if (!AUTO) {
            return PACKED;
        }
        long shape = shape(0, ta, tb, m, n, k);
        int known = FAST.get(shape);
        if (known != 0) {
            return known == 2;  // a step's calls find their shape here without allocating
        }
        String key = "gemm " + m + "x" + n + "x" + k + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "");
        boolean p = DECISIONS.computeIfAbsent(key, x -> timeGemm(x, ta, tb, m, n, k, blas, packed));
        FAST.put(shape, p ? 2 : 1);
        return p;
    }

    /** A shape as one long: the kind (2 bits), the transposes, and m, n, k (20 bits each; larger ones share). */
    private static long shape(int kind, boolean ta, boolean tb, int m, int n, int k) {
        return ((long) kind << 62) | (ta ? 1L << 61 : 0) | (tb ? 1L << 60 : 0) | ((long) (m & 0xfffff) << 40)
                | ((long) (n & 0xfffff) << 20) | (k & 0xfffff) | (1L << 59);
    }

    /**
     * Shape → decision (1 OpenBLAS, 2 packed, 0 unknown) without allocation: open addressing over
     * plain arrays, written under a lock; a reader that races a writer sees 0 and asks the map.
     */
    private static final class ShapeTable {
        private final long[] keys = new long[4096];
        private final byte[] values = new byte[4096];

        int get(long key) {
            int i = index(key);
            for (int probes = 0; probes < keys.length; probes++) {
                long k = keys[i];
                if (k == key) {
                    return values[i];
                }
                if (k == 0) {
                    return 0;
                }
                i = (i + 1) & (keys.length - 1);
            }
            return 0;
        }

        synchronized void put(long key, int value) {
            int i = index(key);
            for (int probes = 0; probes < keys.length; probes++) {
                if (keys[i] == key || keys[i] == 0) {
                    values[i] = (byte) value;
                    keys[i] = key;
                    return;
                }
                i = (i + 1) & (keys.length - 1);
            }
        }

        private int index(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h >>> 52) & (keys.length - 1);
        }
    }

    /**
     * Whether the packed GEMM should run a recurrence's per-step product {@code C[rows × n] += A[rows × k]·U}
     * (U packed once per sweep) rather than OpenBLAS at every step.
     */
    static boolean packedRecurrent(int rows, int k, int n, Gemm blas, PackedGemm packed) {
        if (!AUTO) {
            return PACKED;
        }
        long shape = shape(1, false, false, rows, n, k);
        int known = FAST.get(shape);
        if (known != 0) {
            return known == 2;
        }
        String key = "recurrent step " + rows + "x" + n + "x" + k;
        boolean p = DECISIONS.computeIfAbsent(key, x -> timeRecurrent(x, rows, k, n, blas, packed));
        FAST.put(shape, p ? 2 : 1);
        return p;
    }

    /** The decisions taken so far, with the times behind them (for profiles and logs). */
    static Map<String, String> decisions() {
        Map<String, String> out = new TreeMap<>();
        DECISIONS.forEach((k, v) -> {
            double[] t = TIMES.get(k);
            out.put(k, (v ? "packed" : "OpenBLAS") + (t == null ? ""
                    : String.format(java.util.Locale.ROOT, " (packed %.3f ms, OpenBLAS %.3f ms)", t[0] / 1e6,
                    t[1] / 1e6)));
        });
        return out;
    }

    private static CpuBuffer scratch(long n, double seed) {
        CpuBuffer b = CpuBuffer.scratch(Math.max(1, n));
        FloatBuffer d = b.data();
        for (int i = 0; i < n; i++) {
            d.put(i, (float) Math.sin(seed + i * 0.013));
        }
        return b;
    }

    private static volatile boolean warm;

    /**
     * Runs the packed kernels until the JIT has compiled them (once per JVM, about half a second): timed
     * before that, interpreted Vector API code is a hundred times slower than compiled code, and a
     * decision would be the interpreter's.
     */
    private static void warmUp(PackedGemm packed) {
        if (warm) {
            return;
        }
        synchronized (KernelChoice.class) {
            if (warm) {
                return;
            }
            int rows = 14;
            int k = 96;
            int n = 3 * packed.panelWidth();
            try (CpuBuffer a = scratch((long) rows * k, 4); CpuBuffer u = scratch((long) n * k, 5);
                 CpuBuffer c = scratch((long) rows * n, 6)) {
                float[] p = packed.pack(u.data(), 0, k, true, k, n, null);
                long start = System.nanoTime();
                double best = Double.MAX_VALUE;
                for (int i = 0; i < 5000 && System.nanoTime() - start < 3_000_000_000L; i++) {
                    long t0 = System.nanoTime();
                    packed.multiplyAdd(a.data(), 0, k, rows, k, p, n, c.data(), 0, n);
                    packed.gemm(i % 2 == 0, i % 3 == 0, rows, n, k, 1f, a.data(), 0, i % 2 == 0 ? rows : k, u.data(), 0,
                            i % 3 == 0 ? k : n, 0.5f, c.data(), 0, n);
                    long t = System.nanoTime() - t0;
                    if (i > 200 && t < 2 * best && i % 50 == 0) {
                        break;  // compiled: the time no longer drops
                    }
                    best = Math.min(best, t);
                }
            }
            warm = true;
        }
    }

    private static boolean timeGemm(String key, boolean ta, boolean tb, int m, int n, int k, Gemm blas,
                                    PackedGemm packed) {
        warmUp(packed);
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        try (CpuBuffer a = scratch((long) m * k, 1); CpuBuffer b = scratch((long) k * n, 2);
             CpuBuffer c = scratch((long) m * n, 3)) {
            return decide(key, () -> packed.gemm(ta, tb, m, n, k, 1f, a.data(), 0, lda, b.data(), 0, ldb, 0f, c.data(), 0,
                    n), () -> blas.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n));
        }
    }

    private static boolean timeRecurrent(String key, int rows, int k, int n, Gemm blas, PackedGemm packed) {
        warmUp(packed);
        try (CpuBuffer a = scratch((long) rows * k, 1); CpuBuffer u = scratch((long) n * k, 2);
             CpuBuffer c = scratch((long) rows * n, 3)) {
            float[] p = packed.pack(u.data(), 0, k, true, k, n, null);
            return decide(key, () -> packed.multiplyAdd(a.data(), 0, k, rows, k, p, n, c.data(), 0, n),
                    () -> blas.sgemm(false, true, rows, n, k, 1f, a, 0, k, u, 0, k, 1f, c, 0, n));
        }
    }

    /**
     * Times both, alternating, until each one's best time has settled (no improvement by more than 2% for
     * 150 ms, after at least ten rounds) or 1.5 seconds have passed: until then the JIT may still be
     * compiling one of them (interpreted Vector API code is a hundred times slower). True when the packed
     * kernel wins by 5%.
     */
    private static boolean decide(String key, Runnable packed, Runnable blas) {
        double bestPacked = Double.MAX_VALUE;
        double bestBlas = Double.MAX_VALUE;
        long start = System.nanoTime();
        long settledSince = start;
        for (int i = 0; i < 100_000; i++) {
            long t0 = System.nanoTime();
            packed.run();
            long t1 = System.nanoTime();
            blas.run();
            long t2 = System.nanoTime();
            if (t1 - t0 < 0.98 * bestPacked || t2 - t1 < 0.98 * bestBlas) {
                settledSince = t2;  // still improving: the JIT may still be at work
            }
            bestPacked = Math.min(bestPacked, t1 - t0);
            bestBlas = Math.min(bestBlas, t2 - t1);
            if ((i >= 10 && t2 - settledSince > 150_000_000L) || t2 - start > 1_500_000_000L) {
                break;
            }
        }
        boolean usePacked = bestPacked < 0.95 * bestBlas;
        TIMES.put(key, new double[] {bestPacked, bestBlas});
        LOG.debug("{}: packed {} ns, OpenBLAS {} ns: {}", key, (long) bestPacked, (long) bestBlas,
                usePacked ? "packed" : "OpenBLAS");
        return usePacked;
    }
}

package io.rnn4j.bench.onednn;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.backend.Tensor;
import java.util.Locale;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * oneDNN's sgemm against the products rnn4j runs: for each shape of an rnn4j training step (the
 * per-step recurrent products of the Elman, GRU and LSTM cells, the batched input, output and
 * weight-gradient products), GFLOP/s of oneDNN's {@code dnnl_sgemm} (its own threads:
 * OMP_NUM_THREADS), of OpenBLAS's {@code cblas_sgemm} on all threads, and of rnn4j's CPU backend
 * {@code gemm} with the kernel choice this JVM was started with ({@code -Drnn4j.cpu.kernels=openblas}
 * or {@code packed}; {@code auto} picks per shape). Each figure is the best of 7 timings of a loop of
 * at least 50 ms, a second apart (threads that spin after a call would otherwise take the cores from
 * the next kernel). The backend's packed kernel packs B at every call here; inside a recurrence it packs
 * U once per sequence, so this table understates it on the per-step shapes.
 */
public final class OneDnnGemm {
    private OneDnnGemm() {
    }

    /** name, m, n, k, transA, transB. */
    private static final Object[][] SHAPES = {
        {"C1 Elman step h·U (50×128×128)", 50, 128, 128, false, false},
        {"C3 Elman step h·U (64×512×512)", 64, 512, 512, false, false},
        {"C6 Elman step h·U (8×512×512)", 8, 512, 512, false, false},
        {"LSTM step h·U, 4 gates (64×2048×512)", 64, 2048, 512, false, false},
        {"LSTM step δ·Uᵀ (64×512×2048)", 64, 512, 2048, false, true},
        {"GRU step h·U, 3 gates (64×1536×512)", 64, 1536, 512, false, false},
        {"C3 output, all steps (6400×65×512)", 6400, 65, 512, false, false},
        {"C3 ∂U = Hᵀ·δ over all steps (512×512×6400)", 512, 512, 6400, true, false},
        {"LSTM ∂U over all steps (512×2048×6400)", 512, 2048, 6400, true, false},
        {"C5 output, all steps (1120×10000×512)", 1120, 10000, 512, false, false},
    };

    /** Runs the table; prints one row per shape (markdown). */
    public static void main(String[] args) {
        String choice = System.getProperty("rnn4j.cpu.kernels", "auto");
        var v = dnnl.dnnl_version();
        System.out.printf(Locale.ROOT, "oneDNN %d.%d.%d (%s threads), %s, rnn4j backend kernels: %s%n", v.major(),
                v.minor(), v.patch(), System.getenv().getOrDefault("OMP_NUM_THREADS", "all"),
                openblas_nolapack.OPENBLAS_VERSION.trim(), choice);
        System.out.println("| product (m×n×k) | oneDNN GFLOP/s | OpenBLAS GFLOP/s | rnn4j backend (" + choice
                + ") GFLOP/s | oneDNN / best other |");
        System.out.println("|---|---|---|---|---|");
        try (Backend be = Backends.select("cpu")) {
            for (Object[] s : SHAPES) {
                row(be, (String) s[0], (int) s[1], (int) s[2], (int) s[3], (boolean) s[4], (boolean) s[5]);
            }
        }
    }

    private static void row(Backend be, String name, int m, int n, int k, boolean ta, boolean tb) {
        float[] a = fill(m * k, 1);
        float[] b = fill(k * n, 2);
        double flops = 2.0 * m * n * k;
        double dnn;
        double blas;
        try (FloatPointer pa = new FloatPointer(a); FloatPointer pb = new FloatPointer(b);
             FloatPointer pc = new FloatPointer((long) m * n)) {
            int lda = ta ? m : k;
            int ldb = tb ? k : n;
            dnn = best(flops, () -> dnnl.dnnl_sgemm((byte) (ta ? 'T' : 'N'), (byte) (tb ? 'T' : 'N'), m, n, k, 1f, pa,
                    lda, pb, ldb, 0f, pc, n));
            int threads = Runtime.getRuntime().availableProcessors();
            int before = openblas_nolapack.blas_get_num_threads();
            openblas_nolapack.blas_set_num_threads(threads);
            try {
                blas = best(flops, () -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                        ta ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                        tb ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, 1f, pa, lda, pb,
                        ldb, 0f, pc, n));
            } finally {
                openblas_nolapack.blas_set_num_threads(before);
            }
        }
        // The backend's tensors live until the backend closes (at the end of the table).
        Tensor ta2 = be.allocate(ta ? k : m, ta ? m : k);
        Tensor tb2 = be.allocate(tb ? n : k, tb ? k : n);
        Tensor tc = be.allocate(m, n);
        be.upload(a, 0, ta2);
        be.upload(b, 0, tb2);
        double mine = best(flops, () -> be.gemm(tc, ta2, ta, tb2, tb, 1f, 0f));
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.2f× |%n", name, dnn, blas, mine,
                dnn / Math.max(blas, mine));
    }

    /**
     * Waits a second before each kernel's timings: oneDNN's OpenMP threads and OpenBLAS's threads keep
     * spinning for a while after their last call, and would take the cores from the next kernel.
     */
    private static void quiet() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static float[] fill(int n, int seed) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = ((i * 31 + seed * 17) % 97) / 97f - 0.5f;
        }
        return x;
    }

    /**
     * The best GFLOP/s of 7 timings, each a loop of at least 50 ms, after warm-up loops (the repetition
     * count doubles until one loop takes 50 ms, so that the JIT has compiled the Java kernels).
     */
    private static double best(double flops, Runnable op) {
        quiet();
        long warm = System.nanoTime();
        while (System.nanoTime() - warm < 1_000_000_000L) {
            op.run(); // a second of calls first, so that the JIT has compiled the Java kernels
        }
        int reps = 1;
        for (;;) {
            long s = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                op.run();
            }
            if (System.nanoTime() - s >= 50_000_000L || reps >= 1 << 24) {
                break;
            }
            reps *= 2;
        }
        double best = 0;
        for (int round = 0; round < 7; round++) {
            long s = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                op.run();
            }
            best = Math.max(best, flops * reps / ((System.nanoTime() - s) / 1e9) / 1e9);
        }
        return best;
    }
}

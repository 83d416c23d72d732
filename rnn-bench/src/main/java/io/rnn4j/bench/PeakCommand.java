package io.rnn4j.bench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code peak}: the machine's physical fp32 peak (FMA throughput per core × threads, on the widest
 * vectors) and, beside it, OpenBLAS's own multithreaded sgemm ceiling, with the OpenBLAS kernel that
 * runs. Every CPU speed in docs/PERFORMANCE.md is given as a share of the first.
 */
@Command(name = "peak", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = {"Measure the physical fp32 peak (FMA chains on the widest vectors, all threads at once) "
                + "and OpenBLAS's sgemm ceiling.", "",
            "Needs the Vector API module (the jar relaunches itself with it). OPENBLAS_CORETYPE, when set, pins "
                + "OpenBLAS's kernels: the report names the kernel that ran."})
final class PeakCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N", description = "threads, 0 = all processors")
    int threads = 0;
    @Option(names = "--seconds", paramLabel = "S", description = "seconds per measurement (the best of 5 counts)")
    double seconds = 0.5;
    @Option(names = "--gemm", paramLabel = "N", description = "sgemm size N x N x N (0: no sgemm ceiling)")
    int gemm = 2048;
    @Option(names = "--format", paramLabel = "FMT", description = "text | json")
    String format = "text";

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!format.equals("text") && !format.equals("json")) {
            throw new ParameterException(spec.commandLine(), "--format must be text or json, got '" + format + "'");
        }
        if (threads < 0 || threads > 4096 || !(seconds > 0 && seconds <= 60) || gemm < 0 || gemm > 16384) {
            throw new ParameterException(spec.commandLine(),
                    "--threads in [0, 4096], --seconds in (0, 60], --gemm in [0, 16384]");
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("the peak needs the Vector API: run with --add-modules jdk.incubator.vector"
                    + " (or without -Drnn4j.relaunch=false)");
        }
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        double one = 0;
        double all = 0;
        for (int rep = 0; rep < 5; rep++) {
            one = Math.max(one, PeakFma.gflops(1, seconds));
            all = Math.max(all, PeakFma.gflops(n, seconds));
        }
        double sgemm = gemm == 0 ? Double.NaN : sgemm(gemm, n);
        String pin = System.getenv("OPENBLAS_CORETYPE");
        String core = pin != null && !pin.isBlank() ? pin + " (pinned by OPENBLAS_CORETYPE)"
                : "OpenBLAS's own choice for this CPU (" + io.rnn4j.internal.CpuFlags.vector() + ")";
        int lanes = PeakFma.lanes();
        if (format.equals("json")) {
            out.printf(Locale.ROOT, "{\"threads\": %d, \"lanes\": %d, \"peak_gflops_1\": %.1f, \"peak_gflops\": %.1f, "
                    + "\"sgemm_n\": %d, \"sgemm_gflops\": %.1f, \"openblas_coretype\": %s, \"cpu_flags\": \"%s\"}%n",
                    n, lanes, one, all, gemm, sgemm, pin == null ? "null" : "\"" + pin + "\"", io.rnn4j.internal.CpuFlags.vector());
        } else {
            out.printf(Locale.ROOT, "physical fp32 peak: %.1f GFLOP/s on %d threads (%.1f on one; %d-lane FMA, %d chains)%n",
                    all, n, one, lanes, PeakFma.CHAINS);
            if (gemm > 0) {
                out.printf(Locale.ROOT, "OpenBLAS sgemm %d^3 on %d threads: %.1f GFLOP/s (%.0f%% of the peak), kernels: %s%n",
                        gemm, n, sgemm, 100 * sgemm / all, core);
            }
        }
        return 0;
    }

    /** OpenBLAS's own sgemm on {@code threads} threads: the best of 5 after a warm-up. */
    private static double sgemm(int n, int threads) {
        int before = openblas_nolapack.blas_get_num_threads();
        long size = (long) n * n;
        try (FloatPointer a = new FloatPointer(size); FloatPointer b = new FloatPointer(size);
             FloatPointer c = new FloatPointer(size)) {
            for (long i = 0; i < size; i++) {
                a.put(i, (i % 7) * 0.1f);
                b.put(i, (i % 5) * 0.1f);
            }
            openblas_nolapack.blas_set_num_threads(threads);
            double best = Double.MAX_VALUE;
            for (int rep = 0; rep < 6; rep++) {
                long t0 = System.nanoTime();
                openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                        openblas_nolapack.CblasNoTrans, n, n, n, 1f, a, n, b, n, 0f, c, n);
                double dt = (System.nanoTime() - t0) / 1e9;
                if (rep > 0) {
                    best = Math.min(best, dt);
                }
            }
            return 2.0 * n * n * n / best / 1e9;
        } finally {
            openblas_nolapack.blas_set_num_threads(before);
        }
    }
}

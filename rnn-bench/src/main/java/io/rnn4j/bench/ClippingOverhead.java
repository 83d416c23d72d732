package io.rnn4j.bench;

import io.rnn4j.backend.Backend;
import io.rnn4j.train.Clipping;
import java.util.Arrays;
import java.util.Locale;

/**
 * What clipping costs, as a paired difference: three identical models (same seed, same batches) that
 * differ only in their clipping (none, global norm at 5, value at 5) train in one JVM on one backend,
 * one step each per round, in a rotating order, after a warm-up by time; a round's difference is
 * {@code (t_clip − t_none) / median(t_none)}. The machine's slow phases hit all three steps of a round
 * alike and cancel in the difference, which separate JMH forks cannot do. Reported: the median of the
 * rounds' differences with a distribution-free 95% interval (order statistics of the median).
 */
final class ClippingOverhead {
    /** The paired overhead of global-norm and value clipping: {median, low, high} in percent, each. */
    record Result(String config, double[] global, double[] value, int rounds) {
        String row() {
            return String.format(Locale.ROOT, "%-4s %8s %22s %22s", config, rounds, cell(global), cell(value));
        }

        private static String cell(double[] r) {
            return String.format(Locale.ROOT, "%+.1f%% [%+.1f, %+.1f]", r[0], r[1], r[2]);
        }
    }

    private ClippingOverhead() {
    }

    static Result measure(Backend be, String config, double warmupSeconds, int rounds) {
        StepTimer[] t = new StepTimer[3];
        Clipping[] modes = {Clipping.none(), Clipping.globalNorm(5), Clipping.value(5)};
        try {
            for (int i = 0; i < 3; i++) {
                t[i] = new StepTimer(be, Configs.parse(config, modes[i]), 1);
            }
            long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
            while (System.nanoTime() < end) {
                for (StepTimer s : t) {
                    s.step();
                }
            }
            long[][] times = new long[3][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < 3; k++) {
                    int i = (r + k) % 3;  // rotate, so that no mode always runs first
                    times[i][r] = t[i].step();
                }
            }
            double base = median(times[0]);
            return new Result(config, paired(times[1], times[0], base), paired(times[2], times[0], base), rounds);
        } finally {
            for (StepTimer s : t) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** Median and 95% interval of (with − without) / base, in percent. */
    static double[] paired(long[] with, long[] without, double base) {
        int n = with.length;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = 100.0 * (with[i] - without[i]) / base;
        }
        Arrays.sort(d);
        // The ranks that bound the median with 95% confidence: n/2 ± 1.96·√n/2 (normal approximation).
        int half = (int) Math.ceil(1.96 * Math.sqrt(n) / 2);
        int lo = Math.max(0, (n - 1) / 2 - half);
        int hi = Math.min(n - 1, n / 2 + half);
        double med = n % 2 == 1 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
        return new double[] {med, d[lo], d[hi]};
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }
}

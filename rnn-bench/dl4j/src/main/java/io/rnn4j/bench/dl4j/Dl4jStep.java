package io.rnn4j.bench.dl4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * {@code java -jar rnn-bench-dl4j.jar -V 65 -H 128 -B 50 -T 50 [--warmup N] [--repeats N]}: times
 * DL4J training steps and prints one JSON object in the format of rnn4j's {@code step --format json}.
 * Pin OpenMP ({@code OMP_NUM_THREADS=2} on 2 cores): DL4J oversubscribes otherwise.
 * {@code java -cp rnn-bench-dl4j.jar org.openjdk.jmh.Main Dl4jStep} runs the JMH benchmark.
 */
public final class Dl4jStep {
    private Dl4jStep() {
    }

    public static void main(String[] argv) {
        int v = 65;
        int h = 128;
        int b = 50;
        int t = 50;
        int warmup = 5;
        int repeats = 10;
        for (int i = 0; i + 1 < argv.length; i += 2) {
            int x = Integer.parseInt(argv[i + 1]);
            switch (argv[i]) {
                case "-V" -> v = x;
                case "-H" -> h = x;
                case "-B" -> b = x;
                case "-T" -> t = x;
                case "--warmup" -> warmup = x;
                case "--repeats" -> repeats = x;
                default -> {
                    System.err.println("unknown option " + argv[i]);
                    System.exit(2);
                }
            }
        }
        Dl4jModel m = new Dl4jModel(v, h, b, t, 1);
        for (int i = 0; i < warmup; i++) {
            m.step();
        }
        long[] ns = new long[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            m.step();
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        double med = ns[ns.length / 2];
        System.out.println(String.format(Locale.ROOT,
                "{\"backend\":\"dl4j\",\"backend_description\":\"DL4J 1.0.0-M2.1 SimpleRnn, OMP_NUM_THREADS=%s\","
                        + "\"config\":{\"V\":%d,\"H\":%d,\"B\":%d,\"T\":%d},\"tokens_per_s\":%.1f,\"step_ms_median\":%.3f,"
                        + "\"model_gflops\":%.2f}",
                System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), v, h, b, t, b * t * 1e9 / med, med / 1e6,
                6.0 * h * (h + (double) v) * b * t / med));
    }
}

package io.rnn4j.bench;

import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Times full training steps (forward, BPTT, clipping, SGD update) of one configuration on one
 * backend: warm-up steps, then {@code repeats} timed steps on pre-built random batches.
 */
public final class StepTimer implements AutoCloseable {
    private final StepConfig config;
    private final RnnModel model;
    private final Trainer trainer;
    private final Batch[] batches;
    private int next;

    public StepTimer(Backend backend, StepConfig config, long seed) {
        this.config = config;
        RnnConfig rc = RnnConfig.tokens(config.vocab(), config.hidden()).cell(config.cell()).layers(config.layers())
                .activation(config.activation()).biases(config.biases()).seed(seed).build();
        this.model = new RnnModel(backend, rc);
        this.trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.sgd(1e-3))
                .clipping(config.clipping()).reduction(Reduction.SUM).build());
        SplittableRandom r = new SplittableRandom(seed);
        this.batches = new Batch[4];
        int n = config.batch() * config.steps();
        for (int i = 0; i < batches.length; i++) {
            int[] in = new int[n];
            int[] out = new int[n];
            for (int k = 0; k < n; k++) {
                in[k] = r.nextInt(config.vocab());
                out[k] = r.nextInt(config.vocab());
            }
            batches[i] = Batch.tokensTimeMajor(config.batch(), config.steps(), in, out);
        }
    }

    /** One training step; returns its wall time in nanoseconds. */
    public long step() {
        Batch b = batches[next];
        next = (next + 1) % batches.length;
        long t0 = System.nanoTime();
        trainer.step(b);
        return System.nanoTime() - t0;
    }

    /** Runs {@code warmup} untimed steps, then returns the times of {@code repeats} steps, sorted. */
    public long[] measure(int warmup, int repeats) {
        return measure(warmup, 0, repeats);
    }

    /**
     * Runs untimed steps until at least {@code warmup} steps and {@code warmupNanos} have passed
     * (the JIT compiles the Vector API kernels in the background during the first second or two,
     * on the cores the steps need), then returns the times of {@code repeats} steps, sorted.
     *
     * @param warmup untimed steps, at least
     * @param warmupNanos untimed time, at least
     * @param repeats timed steps
     * @return the step times in nanoseconds, sorted
     */
    public long[] measure(int warmup, long warmupNanos, int repeats) {
        long start = System.nanoTime();
        for (int i = 0; i < warmup || System.nanoTime() - start < warmupNanos; i++) {
            step();
        }
        long[] t = new long[repeats];
        for (int i = 0; i < repeats; i++) {
            t[i] = step();
        }
        Arrays.sort(t);
        return t;
    }

    /**
     * Runs untimed steps until the JIT compiler has compiled nothing for {@code quietNanos} (its total
     * compilation time unchanged), for at most {@code maxNanos}. On two cores the compiler threads
     * share the cores with the steps for several seconds, and a short step (65/128/50/50: about 3 ms)
     * timed after a fixed two seconds of warm-up read about 15% slower than after six (measured).
     *
     * @param quietNanos how long the compiler must have been idle
     * @param maxNanos the most this waits
     * @return the steps run, or −1 where the JVM does not report its compilation time
     */
    public int warmUntilJitQuiet(long quietNanos, long maxNanos) {
        long seen = jitMillis();
        if (seen < 0) {
            return -1;
        }
        long start = System.nanoTime();
        long quietSince = start;
        int steps = 0;
        for (long now = start; now - quietSince < quietNanos && now - start < maxNanos; now = System.nanoTime()) {
            step();
            steps++;
            long c = jitMillis();
            if (c != seen) {
                seen = c;
                quietSince = System.nanoTime();
            }
        }
        return steps;
    }

    /** The JIT compiler's total compilation time so far, in ms (−1 where the JVM does not report it). */
    public static long jitMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit == null || !jit.isCompilationTimeMonitoringSupported() ? -1 : jit.getTotalCompilationTime();
    }

    public StepConfig config() {
        return config;
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}

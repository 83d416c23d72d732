package io.rnn4j.bench;

import io.rnn4j.backend.Backend;
import io.rnn4j.train.Clipping;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Training-step throughput as one dimension grows from C1 (V 65, H 128, B 50, T 50), global
 * clipping at 5: T (cost must grow linearly, so tokens/s stays flat), B and H.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ScalingBenchmark {

    /** V-H-B-T. */
    @Param({"65-128-50-25", "65-128-50-50", "65-128-50-100", "65-128-50-200",
            "65-128-16-50", "65-128-32-50", "65-128-128-50",
            "65-64-50-50", "65-256-50-50", "65-512-50-50"})
    public String config;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private StepTimer timer;

    @Setup(Level.Trial)
    public void setUp() {
        be = StepCommand.openBackend(backend, 0);
        timer = new StepTimer(be, Configs.parse(config, Clipping.globalNorm(5)), 1);
    }

    @Benchmark
    public long step() {
        return timer.step();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        timer.close();
        be.close();
    }
}

package io.rnn4j.bench.dl4j;

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
import org.openjdk.jmh.annotations.Warmup;

/** DL4J training steps per second on rnn4j's standard configurations (V-H-B-T). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1)
public class Dl4jStepBenchmark {
    @Param({"65-128-50-50", "65-256-64-100", "65-512-64-100", "10000-512-32-35", "65-512-8-100"})
    public String config;

    private Dl4jModel model;

    @Setup(Level.Trial)
    public void setUp() {
        String[] p = config.split("-");
        model = new Dl4jModel(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                Integer.parseInt(p[3]), 1);
    }

    @Benchmark
    public void step() {
        model.step();
    }
}

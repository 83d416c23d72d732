package io.rnn4j.bench;

import io.rnn4j.train.Clipping;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Training-step throughput as one dimension grows from C1 (V 65, H 128, B 50, T 50), global
 * clipping at 5: T (cost must grow linearly, so tokens/s stays flat), B and H.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ScalingBenchmark extends StepBenchmarkBase {

    /** V-H-B-T. */
    @Param({"65-128-50-25", "65-128-50-50", "65-128-50-100", "65-128-50-200",
            "65-128-16-50", "65-128-32-50", "65-128-128-50",
            "65-64-50-50", "65-256-50-50", "65-512-50-50"})
    public String config;

    @Override
    protected StepConfig stepConfig() {
        return Configs.parse(config, Clipping.globalNorm(5));
    }
}

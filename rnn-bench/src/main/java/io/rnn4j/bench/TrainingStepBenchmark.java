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
 * One full training step (forward, BPTT, clipping, SGD update) per invocation: a token-input tanh
 * Elman RNN with biases and summed softmax cross-entropy, on pre-built random batches. Throughput
 * is steps per second; tokens/s = steps/s · B·T (the runner's table does the multiplication).
 *
 * <p>{@code clip}: {@code none}, {@code global} (global L2 norm at 5) or {@code value} (element-wise
 * at 5). The pre-clip norm is computed in every mode (it is reported each step), so the difference
 * between modes is the cost of clipping itself.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TrainingStepBenchmark extends StepBenchmarkBase {

    /** A standard configuration (C1, C2, C3, C5, C6) or V-H-B-T. */
    @Param({"C1", "C2", "C3", "C5", "C6"})
    public String config;

    @Param({"none", "global", "value"})
    public String clip;

    static Clipping clipping(String mode) {
        return switch (mode) {
            case "none" -> Clipping.none();
            case "global" -> Clipping.globalNorm(5);
            case "value" -> Clipping.value(5);
            default -> throw new IllegalArgumentException("clip must be none, global or value: " + mode);
        };
    }

    @Override
    protected StepConfig stepConfig() {
        return Configs.parse(config, clipping(clip));
    }
}

package io.rnn4j.bench;

import io.rnn4j.nn.CellType;
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
 * One full training step of an LSTM or GRU language model (token inputs, global clipping at 5,
 * SGD), at the shape of NVIDIA's and PyTorch's own LSTM benchmarks: H 512, B 64, T 100 (V 65).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class GatedStepBenchmark extends StepBenchmarkBase {

    @Param({"lstm", "gru"})
    public String cell;

    /** V-H-B-T. */
    @Param({"65-512-64-100"})
    public String config;

    @Override
    protected StepConfig stepConfig() {
        return Configs.parse(config, Clipping.globalNorm(5)).withCell(CellType.parse(cell));
    }
}

package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.nn.CellType;
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
 * One full training step of an LSTM or GRU language model (token inputs, global clipping at 5,
 * SGD), at the shape of NVIDIA's and PyTorch's own LSTM benchmarks: H 512, B 64, T 100 (V 65).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class GatedStepBenchmark {

    @Param({"lstm", "gru"})
    public String cell;

    /** V-H-B-T. */
    @Param({"65-512-64-100"})
    public String config;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private StepTimer timer;

    @Setup(Level.Trial)
    public void setUp() {
        be = StepCommand.openBackend(backend, 0);
        StepConfig c = Configs.parse(config, Clipping.globalNorm(5));
        timer = new StepTimer(be, new StepConfig(c.vocab(), c.hidden(), c.batch(), c.steps(), Activation.TANH,
                Clipping.globalNorm(5), true, CellType.parse(cell)), 1);
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

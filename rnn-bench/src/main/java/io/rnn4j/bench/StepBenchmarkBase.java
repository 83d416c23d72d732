package io.rnn4j.bench;

import io.rnn4j.backend.Backend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the training-step benchmarks share: one backend and one {@link StepTimer} per trial, and one
 * full training step per invocation. A subclass names its parameters and the {@link StepConfig}
 * they describe; JMH runs each concrete subclass under its own name.
 */
@State(Scope.Thread)
public abstract class StepBenchmarkBase {

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private StepTimer timer;

    /** The configuration of this trial, from the subclass's parameters. */
    protected abstract StepConfig stepConfig();

    @Setup(Level.Trial)
    public void setUp() {
        be = StepCommand.openBackend(backend, 0);
        timer = new StepTimer(be, stepConfig(), 1);
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

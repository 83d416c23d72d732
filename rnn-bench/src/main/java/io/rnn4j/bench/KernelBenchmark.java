package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import java.util.SplittableRandom;
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
 * The kernels that dominate a step, for one configuration's shapes (average time per call):
 * one recurrent step (GEMM with beta = 1 plus the fused activation), the fused backward Hadamard
 * {@code f'(s) ⊙ g} over all T·B rows (g restored before each call), the fused softmax cross-entropy over all T·B rows, and the
 * clipping kernel alone (sum of squares over the whole gradient arena and the clip scale), and the two
 * bias gradients' column sums.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class KernelBenchmark {

    @Param({"C1", "C3"})
    public String config;

    @Param({"cpu"})
    public String backend;

    private Backend be;
    private Tensor u;
    private Tensor pre;
    private Tensor hidden;
    private Tensor s;
    private Tensor h;
    private Tensor g;
    private Tensor g0;
    private Tensor z;
    private Tensor z0;
    private Tensor loss;
    private Tensor zSums;
    private Tensor gSums;
    private Tensor arena;
    private Tensor scalars;
    private IndexBuffer targets;
    private StepConfig c;

    @Setup(Level.Trial)
    public void setUp() {
        be = StepCommand.openBackend(backend, 0);
        c = Configs.parse(config, TrainingStepBenchmark.clipping("none"));
        int n = c.batch() * c.steps();
        SplittableRandom r = new SplittableRandom(1);
        u = random(c.hidden(), c.hidden(), 1 / Math.sqrt(c.hidden()), r);
        pre = random(c.batch(), c.hidden(), 1, r);
        hidden = random(2 * c.batch(), c.hidden(), 1, r);
        s = random(n, c.hidden(), 2, r);
        h = be.allocate(n, c.hidden());
        be.activationForward(Activation.TANH, s, h, null);
        g0 = random(n, c.hidden(), 1, r);
        g = be.allocate(n, c.hidden());
        z0 = random(n, c.vocab(), 3, r);
        z = be.allocate(n, c.vocab());
        loss = be.allocate(1, 1);
        zSums = be.allocate(1, c.vocab());
        gSums = be.allocate(1, c.hidden());
        long params = (long) c.hidden() * c.hidden() + 2L * c.vocab() * c.hidden() + c.hidden() + c.vocab();
        arena = random(1, (int) params, 0.01, r);
        scalars = be.allocate(1, 2);
        targets = be.allocateIndices(n);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(c.vocab());
        }
        be.uploadIndices(t, 0, targets, n);
    }

    private Tensor random(int rows, int cols, double scale, SplittableRandom r) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (scale * (2 * r.nextDouble() - 1));
        }
        Tensor t = be.allocate(rows, cols);
        be.upload(v, 0, t);
        return t;
    }

    /** One step of the forward recurrence: S_t += h_{t−1} Uᵀ; h_t = tanh(S_t). */
    @Benchmark
    public void recurrentStep() {
        be.recurrentForward(Activation.TANH, u, pre, hidden, null, c.batch());
        be.synchronize();
    }

    /**
     * δ = (1 − h²) ⊙ g over all T·B rows, g restored first (and timed): applied in place again and again,
     * g would shrink into subnormal floats, whose arithmetic is many times slower (4.1 ± 3.7 ms at C1
     * instead of a fraction of a millisecond, as measured before the restore).
     */
    @Benchmark
    public void backwardHadamard() {
        be.copy(g0, g);
        be.activationBackward(Activation.TANH, s, h, g, null, null);
        be.synchronize();
    }

    /** Softmax, cross-entropy and ŷ − y over all T·B rows (the logits are restored first, and timed). */
    @Benchmark
    public void softmaxCrossEntropy() {
        be.copy(z0, z);
        be.softmaxCrossEntropy(z, targets, 0, null, 1f, loss);
        be.synchronize();
    }

    /**
     * The two bias gradients of a step, as the trainer takes them: the column sums of ∂E/∂z (T·B × V)
     * and of δ (T·B × H), each split over the threads by rows and summed in part order.
     */
    @Benchmark
    public void biasSums() {
        be.sumRows(z0, zSums, false);
        be.sumRows(g0, gSums, false);
        be.synchronize();
    }

    /** The clipping kernel alone: Σ g² over the whole gradient arena, then the clip scale. */
    @Benchmark
    public void clipNorm() {
        be.sumSquares(arena, scalars.cols(0, 1), false);
        be.clipScale(scalars.cols(0, 1), 5f, scalars.cols(1, 1));
        be.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        be.close();
    }
}

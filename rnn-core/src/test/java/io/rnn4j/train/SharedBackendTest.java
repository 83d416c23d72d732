package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two trainers on two threads, sharing one backend or each with its own: both give exactly the
 * parameters that each trainer reaches alone (a shared backend serves its threads one call at a
 * time), and nothing hangs. Before the backend's calls were atomic, the shared case gave silently
 * different parameters, NullPointerExceptions, closed-buffer errors and, twice, a hang in the
 * worker team.
 */
class SharedBackendTest {
    private static final int STEPS = 25;

    private static RnnConfig config(CellType cell, long seed) {
        return RnnConfig.tokens(13, 48).cell(cell).activation(cell == CellType.ELMAN ? Activation.PRELU : Activation.TANH)
                .layers(2).seed(seed).build();
    }

    private static Batch batch(int step, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 1000 + step);
        int b = 16;
        int t = 12;
        int[] in = new int[b * t];
        int[] out = new int[b * t];
        for (int i = 0; i < in.length; i++) {
            in[i] = r.nextInt(13);
            out[i] = r.nextInt(13);
        }
        return Batch.tokensTimeMajor(b, t, in, out);
    }

    /** Trains a model of {@code seed} for {@link #STEPS} steps on {@code backend}; starts when {@code go} opens. */
    private static float[] train(Backend backend, CellType cell, long seed, CountDownLatch go) throws Exception {
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01)).carryState(true)
                .diagnostics(true).build();
        try (RnnModel model = new RnnModel(backend, config(cell, seed)); Trainer trainer = new Trainer(model, tc)) {
            go.countDown();
            go.await();
            for (int i = 0; i < STEPS; i++) {
                trainer.step(batch(i, seed));
            }
            return model.parameters().downloadAll();
        }
    }

    private static float[] alone(CellType cell, long seed) throws Exception {
        try (CpuBackend be = new CpuBackend(CpuBackendConfig.defaults().withThreads(2))) {
            return train(be, cell, seed, new CountDownLatch(0));
        }
    }

    private static float[][] together(Backend first, Backend second, CellType cell) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(2);
            Callable<float[]> a = () -> train(first, cell, 1, go);
            Callable<float[]> b = () -> train(second, cell, 2, go);
            Future<float[]> fa = pool.submit(a);
            Future<float[]> fb = pool.submit(b);
            return new float[][] {fa.get(), fb.get()};
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void twoThreadsOnOneBackendGetExactlyWhatEachGetsAlone(CellType cell) throws Exception {
        float[] wantA = alone(cell, 1);
        float[] wantB = alone(cell, 2);
        float[][] got = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (CpuBackend shared = new CpuBackend(CpuBackendConfig.defaults().withThreads(2))) {
                return together(shared, shared, cell);
            }
        });
        assertArrayEquals(wantA, got[0], "thread A on the shared backend");
        assertArrayEquals(wantB, got[1], "thread B on the shared backend");
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void twoThreadsOnTwoBackendsGetExactlyWhatEachGetsAlone(CellType cell) throws Exception {
        float[] wantA = alone(cell, 1);
        float[] wantB = alone(cell, 2);
        float[][] got = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (CpuBackend one = new CpuBackend(CpuBackendConfig.defaults().withThreads(2));
                 CpuBackend two = new CpuBackend(CpuBackendConfig.defaults().withThreads(2))) {
                return together(one, two, cell);
            }
        });
        assertArrayEquals(wantA, got[0], "thread A on its own backend");
        assertArrayEquals(wantB, got[1], "thread B on its own backend");
    }
}

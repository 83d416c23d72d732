package io.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameter averaging in {@code local[2]}: a round with K = 1 and SGD is one step on the
 * concatenated batch; with K = 3 and Adam it is the average of the replicas' own runs (optimizer
 * state included); a task that fails once is retried and the result does not change; the averaged
 * model is an ordinary checkpoint.
 */
class ParameterAveragingTest {
    private static final int B = 3;
    private static final int T = 5;
    private static final int V = 7;
    private static JavaSparkContext sc;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("rnn4j-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
        sc.setLogLevel("WARN");
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static int[] ids(SplittableRandom r, int n) {
        return r.ints(n, 0, V).toArray();
    }

    /** Shard p's batches: tokens, B sequences of T steps. */
    private static List<Batch> shard(long seed, int count) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Batch.tokensTimeMajor(B, T, ids(r, B * T), ids(r, B * T)));
        }
        return out;
    }

    private static JavaRDD<Batch> data(List<Batch> a, List<Batch> b) {
        List<Batch> all = new ArrayList<>(a);
        all.addAll(b);
        return sc.parallelize(all, 2).cache();
    }

    /** Two time-major batches side by side: B1 + B2 sequences. */
    private static Batch concat(Batch a, Batch b) {
        int n = a.batchSize() + b.batchSize();
        int[] in = new int[n * T];
        int[] out = new int[n * T];
        for (int t = 0; t < T; t++) {
            for (int s = 0; s < n; s++) {
                Batch src = s < a.batchSize() ? a : b;
                int k = s < a.batchSize() ? s : s - a.batchSize();
                in[t * n + s] = src.inputIds()[t * src.batchSize() + k];
                out[t * n + s] = src.targetIds()[t * src.batchSize() + k];
            }
        }
        return Batch.tokensTimeMajor(n, T, in, out);
    }

    @Test
    void oneLocalSgdStepEqualsOneStepOnTheConcatenatedBatch() {
        RnnConfig mc = RnnConfig.tokens(V, 6).seed(3).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.5)).clipping(Clipping.none())
                .reduction(Reduction.MEAN).build();
        ParameterAveraging pa = new ParameterAveraging(mc, tc, 1);
        List<Batch> a = shard(1, 1);
        List<Batch> b = shard(2, 1);
        ReplicaState s0;
        float[] single;
        try (CpuBackend be = new CpuBackend(); RnnModel m = new RnnModel(be, mc); Trainer t = new Trainer(m, tc)) {
            s0 = pa.initial(be);
            assertArrayEquals(m.parameters().downloadAll(), s0.parameters(), "the start is the model's initialization");
            t.step(concat(a.get(0), b.get(0)));
            single = m.parameters().downloadAll();
        }
        ParameterAveraging.Round r = pa.round(sc, data(a, b), s0, 0);
        assertEquals(2, r.replicas());
        assertTrue(r.uniform() && r.backends().size() == 1 && r.backends().first().startsWith("CPU backend"),
                "the replicas' backend is reported: " + r.backends());
        assertEquals(1, r.state().step());
        double worst = 0;
        for (int i = 0; i < single.length; i++) {
            worst = Math.max(worst, Math.abs(single[i] - r.state().parameters()[i]));
        }
        assertTrue(worst < 1e-6, "averaged replicas against single-process training: max |Δ| = " + worst);
        assertTrue(!java.util.Arrays.equals(s0.parameters(), r.state().parameters()), "the round moved the weights");
    }

    @Test
    void severalLocalAdamStepsAverageTheReplicasRunsAndSurviveAFailedTask() throws Exception {
        RnnConfig mc = RnnConfig.tokens(V, 6).seed(5).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01)).build();
        int k = 3;
        ParameterAveraging pa = new ParameterAveraging(mc, tc, k);
        List<Batch> a = shard(3, 4);
        List<Batch> b = shard(4, 4);
        JavaRDD<Batch> data = data(a, b);
        ReplicaState s0;
        ReplicaState expected;
        try (CpuBackend be = new CpuBackend()) {
            s0 = pa.initial(be);
            // Round 0 by hand: each replica's own K steps from s0, then the average.
            float[][] params = new float[2][];
            float[][][] states = new float[2][][];
            List<List<Batch>> shards = List.of(a, b);
            for (int p = 0; p < 2; p++) {
                try (RnnModel m = new RnnModel(be, mc); Trainer t = new Trainer(m, tc)) {
                    for (int i = 0; i < k; i++) {
                        t.step(shards.get(p).get(i));
                    }
                    params[p] = m.parameters().downloadAll();
                    states[p] = t.snapshot().optimizerStates();
                }
            }
            float[] avg = new float[params[0].length];
            for (int i = 0; i < avg.length; i++) {
                avg[i] = (params[0][i] + params[1][i]) * 0.5f;
            }
            float[][] avgStates = new float[states[0].length][avg.length];
            for (int s = 0; s < avgStates.length; s++) {
                for (int i = 0; i < avg.length; i++) {
                    avgStates[s][i] = (states[0][s][i] + states[1][s][i]) * 0.5f;
                }
            }
            expected = new ReplicaState(k, avg, avgStates);
        }
        ReplicaState r0 = pa.round(sc, data, s0, 0).state();
        assertEquals(k, r0.step());
        assertArrayEquals(expected.parameters(), r0.parameters(), 1e-6f, "parameters: the replicas' average");
        assertEquals(2, r0.optimizerStates().length, "Adam's m and v");
        for (int s = 0; s < 2; s++) {
            assertArrayEquals(expected.optimizerStates()[s], r0.optimizerStates()[s], 1e-6f, "optimizer state " + s);
        }
        // Three rounds, then the same three with the first attempt of partition 0 in round 1 failing.
        ReplicaState clean = r0;
        for (int round = 1; round < 3; round++) {
            clean = pa.round(sc, data, clean, round).state();
        }
        ReplicaState retried = r0;
        Faults.failOnce(1L, 0);
        try {
            for (int round = 1; round < 3; round++) {
                retried = pa.round(sc, data, retried, round).state();
            }
        } finally {
            Faults.failOnce(null, null);
        }
        assertArrayEquals(clean.parameters(), retried.parameters(), "a retried task gives the same round");
        assertEquals(3 * k, retried.step());
        // The averaged model is an ordinary checkpoint, and back.
        Path file = dir.resolve("avg.safetensors");
        try (CpuBackend be = new CpuBackend()) {
            pa.save(file, retried, be);
            try (Trainer t = Checkpoint.load(file, be); RnnModel m = t.model()) {
                assertArrayEquals(retried.parameters(), m.parameters().downloadAll());
                assertEquals(3 * k, t.stepCount());
            }
            ReplicaState back = pa.load(file, be);
            assertArrayEquals(retried.parameters(), back.parameters());
            assertArrayEquals(retried.optimizerStates()[1], back.optimizerStates()[1]);
        }
    }

    /**
     * A round is a pure function of its start and data for any number of replicas: five replicas, the
     * same round eight times, the same bits, and those bits are the replicas' own runs summed in
     * partition order (tasks finish in any order in {@code local[2,4]}).
     */
    @Test
    void aRoundIsTheSameBitsEveryTimeForManyReplicas() {
        RnnConfig mc = RnnConfig.tokens(V, 6).seed(8).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01)).build();
        int replicas = 5;
        ParameterAveraging pa = new ParameterAveraging(mc, tc, 2);
        List<Batch> all = new ArrayList<>();
        List<List<Batch>> shards = new ArrayList<>();
        for (int p = 0; p < replicas; p++) {
            List<Batch> sh = shard(20 + p, 2);
            shards.add(sh);
            all.addAll(sh);
        }
        JavaRDD<Batch> data = sc.parallelize(all, replicas).cache();
        ReplicaState s0;
        float[] expected;
        try (CpuBackend be = new CpuBackend()) {
            s0 = pa.initial(be);
            float[] sum = null;
            for (List<Batch> sh : shards) {
                try (RnnModel m = new RnnModel(be, mc); Trainer t = new Trainer(m, tc)) {
                    t.step(sh.get(0));
                    t.step(sh.get(1));
                    float[] w = m.parameters().downloadAll();
                    if (sum == null) {
                        sum = w;
                    } else {
                        for (int i = 0; i < sum.length; i++) {
                            sum[i] += w[i];
                        }
                    }
                }
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] *= 1f / replicas;
            }
            expected = sum;
        }
        for (int run = 0; run < 8; run++) {
            ParameterAveraging.Round r = pa.round(sc, data, s0, 0);
            assertEquals(replicas, r.replicas());
            assertArrayEquals(expected, r.state().parameters(), "run " + run + ": the partition-order sum, bit for bit");
        }
    }

    /**
     * One replica over several rounds, with Adam, a schedule and dropout, is single-process training
     * bit for bit: it catches a round that ignores its index (the same K batches every round) and a
     * replica whose update count restarts each round (Adam's bias correction, the schedule and the
     * dropout masks would reset).
     */
    @Test
    void oneReplicaOverRoundsIsSingleProcessTrainingBitForBit() {
        RnnConfig mc = RnnConfig.tokens(V, 6).seed(9).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.02))
                .schedule(io.rnn4j.train.LearningRateSchedule.parse("cosine:12"))
                .dropout(io.rnn4j.train.Dropout.standard(0.3)).build();
        int k = 2;
        int rounds = 4;
        ParameterAveraging pa = new ParameterAveraging(mc, tc, k);
        List<Batch> sh = shard(31, 3);
        JavaRDD<Batch> data = sc.parallelize(sh, 1).cache();
        float[] single;
        float[][] singleStates;
        ReplicaState s;
        try (CpuBackend be = new CpuBackend(); RnnModel m = new RnnModel(be, mc); Trainer t = new Trainer(m, tc)) {
            s = pa.initial(be);
            for (int i = 0; i < rounds * k; i++) {
                t.step(sh.get(i % sh.size()));
            }
            single = m.parameters().downloadAll();
            singleStates = t.snapshot().optimizerStates();
        }
        for (int r = 0; r < rounds; r++) {
            s = pa.round(sc, data, s, r).state();
        }
        assertEquals(rounds * k, s.step());
        assertArrayEquals(single, s.parameters(), "parameters after " + rounds + " rounds");
        for (int i = 0; i < singleStates.length; i++) {
            assertArrayEquals(singleStates[i], s.optimizerStates()[i], "optimizer state " + i);
        }
    }

    @Test
    void aCarriedStateIsRefused() {
        RnnConfig mc = RnnConfig.tokens(V, 6).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ParameterAveraging(mc,
                TrainerConfig.builder().carryState(true).build(), 2));
        assertTrue(e.getMessage().contains("carryState(false)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ParameterAveraging(mc, TrainerConfig.builder().build(), 0));
    }
}

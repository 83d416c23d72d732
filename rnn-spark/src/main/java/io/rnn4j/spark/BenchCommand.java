package io.rnn4j.spark;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench}: the cost of an averaging round against single-process training of the same steps. */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"The cost of a round of parameter averaging: for each hidden size and K, the median wall time "
            + "of a round (every replica K SGD steps of B×T tokens, V = 65), the slowest replica's compute, the "
            + "difference (the round's overhead: broadcast, task launch, parameter upload, collection and the "
            + "ordered sum), the overhead against K local steps, and one process taking the same K steps on one "
            + "core in a Spark task (the executors' kernel path), for the throughput ratio."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--hidden", split = ",", paramLabel = "LIST", description = "hidden sizes")
    int[] hidden = {64, 256, 512};
    @Option(names = "--local-steps", split = ",", paramLabel = "LIST", description = "K values")
    int[] ks = {1, 10, 50};
    @Option(names = "--partitions", paramLabel = "N", description = "replicas (0: Spark's default parallelism)")
    int partitions;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per step")
    int batch = 32;
    @Option(names = "--seq", paramLabel = "T", description = "steps per sequence")
    int seq = 50;
    @Option(names = "--rounds", paramLabel = "R", description = "measured rounds")
    int rounds = 7;
    @Option(names = "--warmup-rounds", paramLabel = "W", description = "rounds first, untimed (the JIT, the replicas'"
            + " models)")
    int warmupRounds = 3;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (rounds < 1 || warmupRounds < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--rounds must be at least 1, --warmup-rounds at least 0");
        }
        PrintWriter log = spec.commandLine().getOut();
        try (JavaSparkContext sc = SparkMain.context("rnn4j bench")) {
            int n = partitions > 0 ? partitions : sc.defaultParallelism();
            log.printf("parameter averaging, %d replicas (%s), B=%d, T=%d, V=65, SGD; medians of %d rounds%n", n,
                    sc.master(), batch, seq, rounds);
            log.printf("%6s %4s %10s %12s %14s %12s %12s %16s %12s%n", "H", "K", "params", "round ms", "compute ms",
                    "overhead ms", "overhead %", "1 process K ms", "speed-up");
            for (int h : hidden) {
                for (int k : ks) {
                    row(log, sc, n, h, k);
                }
            }
        }
        return 0;
    }

    private void row(PrintWriter log, JavaSparkContext sc, int n, int h, int k) {
        RnnConfig mc = RnnConfig.tokens(65, h).seed(1).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.01)).clipping(Clipping.globalNorm(5))
                .build();
        ParameterAveraging pa = new ParameterAveraging(mc, tc, k);
        SplittableRandom r = new SplittableRandom(7);
        List<Batch> all = new ArrayList<>();
        for (int i = 0; i < n * k; i++) {
            all.add(Batch.tokensTimeMajor(batch, seq, r.ints(batch * seq, 0, 65).toArray(),
                    r.ints(batch * seq, 0, 65).toArray()));
        }
        JavaRDD<Batch> data = sc.parallelize(all, n).cache();
        double[] wall = new double[rounds];
        double[] compute = new double[rounds];
        double single;
        try (CpuBackend be = new CpuBackend(CpuBackendConfig.defaults().withThreads(1))) {
            ReplicaState s = pa.initial(be);
            for (int i = 0; i < warmupRounds; i++) {
                s = pa.round(sc, data, s, i).state();
            }
            for (int i = 0; i < rounds; i++) {
                ParameterAveraging.Round round = pa.round(sc, data, s, warmupRounds + i);
                s = round.state();
                wall[i] = round.wallNanos() / 1e6;
                compute[i] = round.computeNanos() / 1e6;
            }
            // The single-process reference in a task, on the executors' backend and kernel path.
            List<Batch> firstK = new ArrayList<>(all.subList(0, k));
            int reps = rounds;
            int warm = warmupRounds;
            ParameterAveraging job = pa;  // serializable: the task rebuilds the configurations from it
            single = sc.parallelize(List.of(0), 1)
                    .map(x -> reference(job.modelConfig(), job.trainerConfig(), firstK, warm, reps)).collect().get(0);
            long params = s.parameters().length;
            double w = median(wall);
            double c = median(compute);
            log.printf("%6d %4d %10d %12.1f %14.1f %12.1f %11.0f%% %16.1f %11.2fx%n", h, k, params, w, c, w - c,
                    100 * (w - c) / c, single, n * single / w);
        }
        data.unpersist();
    }

    /** The median time of K steps of one process on the task's backend, after {@code warm} untimed repetitions. */
    private static double reference(RnnConfig mc, TrainerConfig tc, List<Batch> steps, int warm, int reps) {
        double[] one = new double[reps];
        try (RnnModel m = new RnnModel(Executors.backend(), mc); Trainer t = new Trainer(m, tc)) {
            for (int i = 0; i < warm + reps; i++) {
                long t0 = System.nanoTime();
                for (Batch b : steps) {
                    t.step(b);
                }
                if (i >= warm) {
                    one[i - warm] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        return median(one);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

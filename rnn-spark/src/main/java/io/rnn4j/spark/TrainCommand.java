package io.rnn4j.spark;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.data.SequenceBatcher;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code train}: a character model trained data-parallel on a text, by parameter averaging. */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"Data-parallel training of a character-level model on a text by parameter averaging.",
            "The text is cut into --partitions contiguous shards; each replica trains --local-steps steps on its "
                + "shard's windows (B tracks × T characters, whole windows: no state is carried) per round, then the "
                + "replicas are averaged. Prints each round's mean loss and time; writes an rnn4j checkpoint "
                + "(readable by rnn-examples sample) every --checkpoint-every rounds and at the end."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--text", paramLabel = "PATH|URI", required = true, description = "UTF-8 text: a local file (read"
            + " on the driver), or any path or URI Spark's file systems read (file:, hdfs:, s3a:, a folder of files;"
            + " read by the executors, in path order)")
    String text;
    @Option(names = "--partitions", paramLabel = "N", description = "replicas (0: Spark's default parallelism)")
    int partitions;
    @Option(names = "--rounds", paramLabel = "R", description = "averaging rounds (a resumed run continues to R)")
    int rounds = 50;
    @Option(names = "--local-steps", paramLabel = "K", description = "steps per replica per round")
    int localSteps = 10;
    @Option(names = "--cell", paramLabel = "C", description = "elman | lstm | gru")
    String cell = "lstm";
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 128;
    @Option(names = "--seq", paramLabel = "T", description = "window length")
    int seq = 64;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per step and replica")
    int batch = 16;
    @Option(names = "--lr", paramLabel = "X", description = "Adam learning rate")
    double lr = 0.002;
    @Option(names = "--seed", paramLabel = "N", description = "initialization seed")
    long seed = 1;
    @Option(names = "--checkpoint", paramLabel = "FILE", description = "checkpoint to write")
    Path checkpoint = Path.of("out/spark-train.safetensors");
    @Option(names = "--checkpoint-every", paramLabel = "R", description = "rounds between checkpoints")
    int checkpointEvery = 10;
    @Option(names = "--resume", paramLabel = "FILE", description = "continue from a checkpoint of the same model")
    Path resume;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || localSteps < 1 || hidden < 1 || seq < 1 || batch < 1 || checkpointEvery < 1 || partitions < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rounds, --local-steps, --hidden,"
                    + " --seq, --batch and --checkpoint-every must be at least 1, --partitions at least 0");
        }
        boolean local = !text.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") && Files.isRegularFile(Path.of(text));
        int[] tokens = null;
        CharVocabulary vocab = null;
        if (local) {
            String corpus;
            try {
                corpus = Files.readString(Path.of(text), StandardCharsets.UTF_8);
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--text " + text
                        + " is not UTF-8 text: convert it first (iconv -f LATIN1 -t UTF-8, say)");
            }
            vocab = CharVocabulary.of(corpus);
            tokens = vocab.encode(corpus);
        }
        PrintWriter log = spec.commandLine().getOut();
        try (JavaSparkContext sc = SparkMain.context("rnn4j train"); CpuBackend driver = new CpuBackend()) {
            int n = partitions > 0 ? partitions : sc.defaultParallelism();
            JavaRDD<Batch> data;
            long characters;
            if (local) {
                data = sc.parallelize(shards(tokens, n), n).cache();
                characters = tokens.length;
            } else {
                TextShards.Result read;
                try {
                    read = TextShards.read(sc, text, n, batch, seq);
                } catch (IllegalArgumentException e) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--text " + e.getMessage());
                } catch (Exception e) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--text " + text
                            + " could not be read through Spark: " + e.getMessage());
                }
                data = read.batches().cache();
                vocab = read.vocabulary();
                characters = read.characters();
            }
            train(sc, driver, log, data, n, vocab, characters);
        }
        return 0;
    }

    private void train(JavaSparkContext sc, CpuBackend driver, PrintWriter log, JavaRDD<Batch> data, int n,
                       CharVocabulary vocab, long characters) throws Exception {
        RnnConfig mc = RnnConfig.tokens(vocab.size(), hidden).cell(CellType.parse(cell)).seed(seed).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(lr)).build();
        ParameterAveraging pa = new ParameterAveraging(mc, tc, localSteps);
        ReplicaState state = resume != null ? pa.load(resume, driver) : pa.initial(driver);
        long first = state.step() / localSteps;
        log.printf("data-parallel training: %d replicas × %d steps per round, %s H=%d, B=%d, T=%d, %d characters"
                + " (vocabulary %d), rounds %d..%d%n", n, localSteps, cell, hidden, batch, seq, characters,
                vocab.size(), first + 1, rounds);
        Map<String, String> meta = new java.util.LinkedHashMap<>(Map.of("vocabulary", vocab.toJson()));
        if (n > sc.defaultParallelism()) {
            log.printf("warning: %d replicas on %d task slots: they run in waves, and a round takes about %d times"
                    + " as long as one replica's steps (lower --partitions, or add executors)%n", n,
                    sc.defaultParallelism(), (n + sc.defaultParallelism() - 1) / sc.defaultParallelism());
        }
        long saved = state.step();
        for (long r = first; r < rounds; r++) {
            ParameterAveraging.Round round;
            try {
                round = pa.round(sc, data, state, r);
            } catch (Exception e) {
                // Spark gave up on the round (its retries failed; a SparkException, which Java sees as
                // checked): keep what the earlier rounds reached.
                if (state.step() > saved) {
                    if (checkpoint.getParent() != null) {
                        Files.createDirectories(checkpoint.getParent());
                    }
                    pa.save(checkpoint, state, driver, meta);
                    log.printf("round %d failed; the state after round %d is saved in %s (resume with --resume)%n",
                            r + 1, r, checkpoint);
                }
                throw e;
            }
            state = round.state();
            String backends = String.join(" | ", round.backends());
            if (!backends.equals(meta.get("spark.replicaBackends"))) {
                log.printf("replicas' backend%s: %s%s%n", round.uniform() ? "" : "s (DIFFERENT: their results"
                        + " differ by float rounding; give the executors the same JVM options)", backends,
                        round.uniform() && !kernels(backends).equals(kernels(driver.description()))
                                ? " (the driver's, which differs: " + driver.description() + ")" : "");
                meta.put("spark.replicaBackends", backends);
            }
            log.printf("round %4d  step %6d  mean loss %.4f  %6.0f ms (slowest replica %6.0f ms)%n", r + 1,
                    state.step(), round.meanLoss(), round.wallNanos() / 1e6, round.computeNanos() / 1e6);
            if ((r + 1) % checkpointEvery == 0 || r + 1 == rounds) {
                if (checkpoint.getParent() != null) {
                    Files.createDirectories(checkpoint.getParent());
                }
                pa.save(checkpoint, state, driver, meta);
                saved = state.step();
            }
        }
        log.printf("checkpoint: %s%n", checkpoint);
    }

    /** A backend's description without its thread count (the kernel path it names). */
    private static String kernels(String description) {
        return description.replaceAll(", \\d+ threads?$", "");
    }

    /** Equal numbers of windows from each of {@code n} contiguous shards, shard by shard. */
    private List<Batch> shards(int[] tokens, int n) {
        int size = tokens.length / n;
        if (size < batch * (seq + 1) + 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "each of the " + n + " shards has "
                    + size + " characters; B " + batch + " × (T " + seq + " + 1) needs more: lower --batch, --seq or"
                    + " --partitions");
        }
        List<List<Batch>> perShard = new ArrayList<>();
        int windows = Integer.MAX_VALUE;
        for (int p = 0; p < n; p++) {
            int[] shard = java.util.Arrays.copyOfRange(tokens, p * size, (p + 1) * size);
            SequenceBatcher b = new SequenceBatcher(shard, batch, seq);
            List<Batch> list = new ArrayList<>();
            for (int w = 0; w < b.windowsPerEpoch(); w++) {
                Batch x = b.next(); // its arrays are reused by the next call: copy them
                list.add(Batch.tokensTimeMajor(batch, seq, x.inputIds().clone(), x.targetIds().clone()));
            }
            perShard.add(list);
            windows = Math.min(windows, list.size());
        }
        List<Batch> all = new ArrayList<>();
        for (List<Batch> l : perShard) {
            all.addAll(l.subList(0, windows));
        }
        return all;
    }
}

package io.rnn4j.examples;

import io.rnn4j.data.SyntheticTasks;
import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.data.SequenceBatcher;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import io.rnn4j.train.TruncationMeter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code truncation}: how far truncated BPTT's gradient is from the full gradient, against the
 * truncation window k, for several models, on text and on the adding problem.
 */
@Command(name = "truncation", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"The truncation-bias meter: cosine between truncated BPTT's gradient (windows of k steps) and "
                + "the full gradient of K steps, against k.", "",
            "For each model, on K-step windows of a text (next-character cross-entropy) and of the adding problem "
                + "(loss at the last step), at initialization and after --train-steps steps of training: the cosine "
                + "between the gradient truncated BPTT accumulates over the K steps with windows of k and the full "
                + "gradient, overall and for the recurrent weights U, and the ratio of their norms. 1 means truncation "
                + "loses nothing. Writes truncation.csv, truncation-text.png and truncation-adding.png to --out."})
final class TruncationCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--text", paramLabel = "FILE", description = "text for the language-model task ('builtin': a"
            + " built-in English text)")
    String text = CharRnnCommand.BUILTIN;
    @Option(names = "--tasks", paramLabel = "LIST", split = ",", description = "of text, adding")
    List<String> tasks = List.of("text", "adding");
    @Option(defaultValue = "tanh,irnn,lstm", names = "--models", paramLabel = "LIST", split = ",",
            converter = Studies.ModelConverter.class, description = "of tanh, logistic, relu, irnn, prelu, linear, lstm, gru")
    List<Studies.ModelKind> models;
    @Option(names = "--K", paramLabel = "N", description = "steps of the full gradient's window")
    int window = 100;
    @Option(names = "--ks", paramLabel = "LIST", split = ",", description = "truncation windows k (each dividing K)")
    int[] ks = {1, 2, 5, 10, 20, 25, 50, 100};
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 64;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per window")
    int batch = 16;
    @Option(names = "--train-steps", paramLabel = "N", description = "Adam steps between the two measurements"
            + " (text: truncated BPTT with k = 25; adding: full sequences)")
    int trainSteps = 200;
    @Option(names = "--lr", paramLabel = "X", description = "Adam learning rate")
    double lr = 0.002;
    @Option(names = "--seed", paramLabel = "N", description = "seed")
    long seed = 1;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path out = Path.of("out/truncation");
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    /** One measurement. */
    record Row(String task, String model, String when, int k, double cosine, double cosineU, double normRatio) {
    }

    @Override
    public Integer call() throws Exception {
        Cli.atLeast(spec, "--K", window, 2);
        Cli.atLeast(spec, "--hidden", hidden, 1);
        Cli.atLeast(spec, "--batch", batch, 1);
        Cli.atLeast(spec, "--train-steps", trainSteps, 0);
        Cli.positive(spec, "--lr", lr);
        for (int k : ks) {
            if (k < 1 || window % k != 0) {
                throw Cli.usage(spec, "--ks: " + k + " does not divide --K " + window);
            }
        }
        for (String task : tasks) {
            if (!task.equals("text") && !task.equals("adding")) {
                throw Cli.usage(spec, "--tasks: unknown task '" + task + "' (expected text or adding)");
            }
        }
        int[] corpus = null;
        CharVocabulary vocab = null;
        if (tasks.contains("text")) {
            String s = CharRnnCommand.BUILTIN.equals(text) ? CharRnnCommand.builtInText()
                    : TextFiles.read(spec, "--text", Path.of(text));
            vocab = CharVocabulary.of(s);
            corpus = vocab.encode(s);
            if (corpus.length < batch * (window + 1) + 1) {
                throw Cli.usage(spec, "the text has " + corpus.length + " characters; --batch " + batch + " × --K "
                        + window + " needs at least " + (batch * (window + 1) + 1) + ": lower --batch or --K");
            }
        }
        PrintWriter log = spec.commandLine().getOut();
        Output output = new Output(out, log);
        log.printf("truncation bias: K=%d, k in %s, H=%d, B=%d, %d Adam steps between the measurements%n", window,
                java.util.Arrays.toString(ks), hidden, batch, trainSteps);
        List<Row> rows = new ArrayList<>();
        try (Backend be = Studies.backend(backend)) {
            for (String task : tasks) {
                for (Studies.ModelKind kind : models) {
                    rows.addAll(task.equals("text") ? text(be, kind, vocab, corpus) : adding(be, kind));
                }
            }
        }
        report(log, output, rows);
        return 0;
    }

    private List<Row> text(Backend be, Studies.ModelKind kind, CharVocabulary vocab, int[] corpus) {
        RnnConfig c = RnnConfig.tokens(vocab.size(), hidden).cell(kind.cell()).activation(kind.activation())
                .recurrentInit(kind.recurrent()).seed(seed).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(lr)).clipping(Clipping.globalNorm(5))
                .carryState(true).nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build();
        SequenceBatcher probeWindows = new SequenceBatcher(corpus, batch, window);
        Batch probe = probeWindows.next();
        List<Row> out = new ArrayList<>();
        try (RnnModel model = new RnnModel(be, c); Trainer trainer = new Trainer(model, tc);
             Progress bar = new Progress("truncation text " + kind.name(), trainSteps)) {
            TruncationMeter meter = new TruncationMeter(model, Loss.SOFTMAX_CROSS_ENTROPY);
            out.addAll(measure(meter, probe, "text", kind.name(), "init"));
            SequenceBatcher train = new SequenceBatcher(corpus, batch, 25);
            for (int s = 0; s < trainSteps; s++) {
                if (train.atStart()) {
                    trainer.resetState();
                }
                trainer.step(train.next());
                bar.step();
            }
            out.addAll(measure(meter, probe, "text", kind.name(), "trained"));
        }
        return out;
    }

    private List<Row> adding(Backend be, Studies.ModelKind kind) {
        RnnConfig c = Studies.addingModel(hidden, kind, kind.recurrent(), seed);
        TrainerConfig tc = TrainerConfig.builder().loss(Loss.MSE_LAST_STEP).reduction(Reduction.MEAN)
                .optimizer(OptimizerConfig.adam(lr)).clipping(Clipping.globalNorm(1))
                .nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build();
        Batch probe = SyntheticTasks.adding(batch, window, new SplittableRandom(seed * 7 + 1));
        List<Row> out = new ArrayList<>();
        try (RnnModel model = new RnnModel(be, c); Trainer trainer = new Trainer(model, tc);
             Progress bar = new Progress("truncation adding " + kind.name(), trainSteps)) {
            TruncationMeter meter = new TruncationMeter(model, Loss.MSE_LAST_STEP);
            out.addAll(measure(meter, probe, "adding", kind.name(), "init"));
            SplittableRandom r = new SplittableRandom(seed);
            for (int s = 0; s < trainSteps; s++) {
                trainer.step(SyntheticTasks.adding(batch, window, r));
                bar.step();
            }
            out.addAll(measure(meter, probe, "adding", kind.name(), "trained"));
        }
        return out;
    }

    private List<Row> measure(TruncationMeter meter, Batch probe, String task, String model, String when) {
        List<Row> out = new ArrayList<>();
        for (int k : ks) {
            TruncationMeter.Report r = meter.measure(probe, k, null, null);
            out.add(new Row(task, model, when, k, r.cosine(),
                    r.perParameter().get(ParameterLayout.RECURRENT_WEIGHTS)[0], r.normRatio()));
        }
        return out;
    }

    private void report(PrintWriter log, Output output, List<Row> rows) throws java.io.IOException {
        List<double[]> csv = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Row r : rows) {
            String key = r.task() + "/" + r.model() + "/" + r.when();
            if (!names.contains(key)) {
                names.add(key);
            }
            csv.add(new double[] {names.indexOf(key), r.k(), r.cosine(), r.cosineU(), r.normRatio()});
        }
        output.csv("truncation.csv", "series_index(" + String.join(";", names) + "),k,cosine,cosine_U,norm_ratio", csv);
        for (String task : tasks) {
            List<Output.Series> series = new ArrayList<>();
            for (String key : names) {
                if (!key.startsWith(task + "/")) {
                    continue;
                }
                List<Row> rs = rows.stream().filter(r -> (r.task() + "/" + r.model() + "/" + r.when()).equals(key))
                        .toList();
                series.add(new Output.Series(key.substring(task.length() + 1), rs.stream().mapToDouble(Row::k).toArray(),
                        rs.stream().mapToDouble(Row::cosine).toArray()));
            }
            output.plot("truncation-" + task + ".png", "Truncated vs full BPTT gradient, " + task + ", K=" + window,
                    "truncation window k", "cosine(truncated, full)", false, series);
        }
        log.printf("%n%-7s %-6s %-8s %5s %9s %9s %11s%n", "task", "model", "when", "k", "cosine", "cos(dU)", "|g_k|/|g_K|");
        for (Row r : rows) {
            log.printf("%-7s %-6s %-8s %5d %9.4f %9.4f %11.4f%n", r.task(), r.model(), r.when(), r.k(), r.cosine(),
                    r.cosineU(), r.normRatio());
        }
        List<java.util.Map<String, Object>> summary = new ArrayList<>();
        for (Row r : rows) {
            summary.add(java.util.Map.of("task", r.task(), "model", r.model(), "when", r.when(), "k", r.k(),
                    "cosine", r.cosine(), "cosine_U", r.cosineU(), "norm_ratio", r.normRatio()));
        }
        output.summary(spec, java.util.Map.of("K", window, "hidden", hidden, "batch", batch, "train_steps", trainSteps,
                "lr", lr, "seed", seed, "rows", summary));
        log.printf("files: %s%n", output.written());
    }
}

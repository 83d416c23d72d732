package io.rnn4j.examples;

import io.rnn4j.data.SyntheticTasks;
import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Regularizer;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
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

/** {@code adding}: the adding problem, test MSE against the test set's own constant predictor (1/6 in expectation). */
@Command(name = "adding", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"The adding problem: test MSE against the test set's constant predictor, per seed.", "",
            "Inputs are a value from U[0,1] and a marker, one marker in each half of the sequence; the target is the "
                + "sum of the two marked values, read at the last step (squared error). The constant predictor "
                + "scores 1/6. Prints test MSE as training goes, and for each seed the first step whose test MSE "
                + "is below 0.01. Writes adding.csv and adding.png to --out."})
final class AddingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @picocli.CommandLine.Mixin
    TrainingOptions training = new TrainingOptions();
    @picocli.CommandLine.Mixin
    ModelOptions matrices = new ModelOptions();
    @Option(names = "--bidirectional", description = "a forward and a reverse direction in every layer")
    boolean bidirectional;

    @Option(names = "--preset", paramLabel = "NAME", description = Presets.ADDING_HELP)
    String preset;
    @Option(names = "--T", paramLabel = "N", description = "sequence length")
    int t = 100;
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 64;
    @Option(defaultValue = "irnn", names = "--model", paramLabel = "M", converter = Studies.ModelConverter.class,
            description = "tanh | logistic | relu | irnn (ReLU with U = I) | prelu | linear | lstm | gru")
    Studies.ModelKind model;
    @Option(names = "--cell", paramLabel = "C", converter = Cli.CellConverter.class,
            description = "elman | lstm | gru: overrides the model's cell (default: the model's)")
    CellType cell;
    @Option(names = "--layers", paramLabel = "L", description = "stacked recurrent layers")
    int layers = 1;
    @Option(names = "--init", paramLabel = "SPEC", converter = Cli.InitConverter.class,
            description = "recurrent initializer, overrides the model's: uniform, glorot, orthogonal[:gain], "
                    + "identity[:alpha], normal:std (default: the model's)")
    Init init;
    @Option(names = "--optimizer", paramLabel = "NAME", converter = Studies.OptimizerNameConverter.class,
            description = "sgd | momentum | adagrad | rmsprop | adam")
    String optimizer = "adam";
    @Option(names = "--lr", paramLabel = "X", description = "learning rate")
    double lr = 0.001;
    @Option(defaultValue = "global:1", names = "--clip", paramLabel = "MODE", converter = Cli.ClippingConverter.class,
            description = "none | global:THETA | value:C")
    Clipping clip;
    @Option(names = "--steps", paramLabel = "N", description = "training steps per seed")
    int steps = 3000;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per step")
    int batch = 32;
    @Option(names = "--seeds", paramLabel = "LIST", split = ",", description = "comma-separated seeds")
    long[] seeds = {1, 2, 3};
    @Option(names = "--eval-every", paramLabel = "N", description = "steps between test evaluations")
    int every = 100;
    @Option(names = "--task", paramLabel = "KIND", description = "classic (the sum of the marked values, markers in"
            + " each half, fixed T) | pascanu (Pascanu et al.'s code: their mean, markers in the first 10% and in"
            + " 10-50%, lengths from [T, --max-length) plus up to 10%; a sequence is solved at squared error <= 0.04)")
    String task = "classic";
    @Option(names = "--max-length", paramLabel = "N", description = "pascanu: one past the longest base length (default:"
            + " T, a fixed length)")
    Integer maxLength;
    @Option(names = "--test-sequences", paramLabel = "N", description = "test sequences, drawn once per seed; "
            + "the summary judges the model against this set's own constant predictor")
    int testSequences = Studies.TEST_SEQUENCES;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path out = Path.of("out/adding");
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    /** The result of one seed. */
    record SeedResult(long seed, double finalMse, int firstBelow, List<double[]> curve, double[] flow,
                      double baseline, double solved, double baselineSolved) {
    }

    @Override
    public Integer call() throws Exception {
        if (preset != null) {
            Presets.adding(this);
        }
        Cli.atLeast(spec, "--T", t, 2);
        Cli.atLeast(spec, "--hidden", hidden, 1);
        Cli.between(spec, "--layers", layers, 1, Cli.MAX_LAYERS);
        Cli.atLeast(spec, "--steps", steps, 1);
        Cli.atLeast(spec, "--batch", batch, 1);
        Cli.atLeast(spec, "--eval-every", every, 1);
        Cli.atLeast(spec, "--test-sequences", testSequences, 1);
        if (!task.equals("classic") && !task.equals("pascanu")) {
            throw Cli.usage(spec, "--task must be classic or pascanu, got '" + task + "'");
        }
        if (task.equals("pascanu")) {
            Cli.atLeast(spec, "--T", t, 10);
        }
        Task kindOfTask = new Task(task.equals("pascanu"), maxLength == null ? t : maxLength);
        if (kindOfTask.pascanu() && kindOfTask.maxLength() < t) {
            throw Cli.usage(spec, "--max-length must be at least --T (" + t + "), got " + kindOfTask.maxLength());
        }
        Studies.ModelKind kind = Studies.modelKind(model, cell);
        Init recurrent = Studies.recurrentInit(init, kind);
        OptimizerConfig opt = training.optimizer(spec, Studies.optimizer(spec, optimizer, lr));
        RnnConfig mc = matrices.build(spec, Studies.addingModel(hidden, kind, recurrent, 0).toBuilder().layers(layers)
                .bidirectional(bidirectional));
        TrainerConfig tc = training.apply(spec, TrainerConfig.builder().loss(Loss.MSE_LAST_STEP)
                .reduction(Reduction.MEAN).optimizer(opt).clipping(clip)
                .nonFinitePolicy(io.rnn4j.diagnostics.NonFinitePolicy.SKIP_UPDATE)).build();
        PrintWriter log = spec.commandLine().getOut();
        Output output = new Output(out, log);
        String settings = String.format(java.util.Locale.ROOT, "T=%d, H=%d%s, model %s (recurrent init %s), %s, %s,"
                + " clip %s, B=%d, %d steps, seeds %s", t, hidden, bidirectional ? " bidirectional" : "", kind.name(),
                mc.recurrentInit(), opt, training.describe(), clip, batch, steps, java.util.Arrays.toString(seeds));
        log.printf("adding problem: %s%n", settings);
        log.printf("baseline: the constant predictor, MSE %.4f in expectation; each seed's %d test sequences give"
                + " their own, which is the one the model is judged against%n", SyntheticTasks.ADDING_BASELINE,
                testSequences);
        if ("pascanu2013".equals(preset)) {
            log.printf("preset pascanu2013: %s%n", Presets.PASCANU_DIFFERENCES);
        }
        if (kindOfTask.pascanu()) {
            log.printf("task: Pascanu et al.'s (the mean of the marked values; base lengths from [%d, %d) plus up to"
                    + " 10%%); solved: squared error <= %.2f, as their code counts it%n", t, Math.max(t + 1,
                    kindOfTask.maxLength()), PASCANU_SOLVED);
        }
        List<SeedResult> results = run(log, backend, t, mc, tc, steps, batch, every, testSequences, seeds, kindOfTask);
        List<SeedResult> plain = null;
        if (tc.regularizer().active()) {
            log.printf("%nthe same seeds without the regularizer, for comparison:%n");
            plain = run(log, backend, t, mc, tc.toBuilder().regularizer(Regularizer.none()).build(),
                    steps, batch, every, testSequences, seeds, kindOfTask);
            compareFlows(log, output, results, plain, tc.regularizer());
        }
        // Both runs (with and without the regularizer, when there is one) in the CSV, the plot and the summary.
        List<double[]> rows = new ArrayList<>();
        List<Output.Series> series = new ArrayList<>();
        List<List<SeedResult>> runs = plain == null ? List.of(results) : List.of(results, plain);
        for (int k = 0; k < runs.size(); k++) {
            String label = plain == null ? "" : k == 0 ? ", " + tc.regularizer() : ", no regularizer";
            for (SeedResult r : runs.get(k)) {
                double[] xs = new double[r.curve().size()];
                double[] ys = new double[r.curve().size()];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = r.curve().get(i)[0];
                    ys[i] = r.curve().get(i)[1];
                    rows.add(new double[] {r.seed(), xs[i], ys[i], r.curve().get(i)[2], k == 0 && plain != null ? 1 : 0});
                }
                series.add(new Output.Series("seed " + r.seed() + label, xs, ys));
            }
        }
        double[] bx = {0, steps};
        double b0 = results.get(0).baseline();
        series.add(new Output.Series(String.format(java.util.Locale.ROOT, "constant predictor (seed %d's test set: %.4f)",
                results.get(0).seed(), b0), bx, new double[] {b0, b0}));
        output.csv("adding.csv", "seed,step,test_mse,solved,regularized", rows);
        output.plot("adding.png", "Adding problem, T=" + t + ", " + kind.name(), "training step", "test MSE", true, series);
        log.printf("%nsummary (T=%d, %s, %d test sequences per seed):%n%6s %16s %12s %14s %22s %10s  %s%n", t,
                kind.name(), testSequences, "seed", "regularizer", "final MSE", "constant pred.", "first step MSE < 0.01",
                "solved", "verdict");
        for (int k = 0; k < runs.size(); k++) {
            for (SeedResult r : runs.get(k)) {
                log.printf("%6d %16s %12.5f %14.5f %22s %10s  %s%n", r.seed(), k == 0 ? tc.regularizer().toString()
                        : "none", r.finalMse(), r.baseline(), r.firstBelow() < 0 ? "not reached"
                        : Integer.toString(r.firstBelow()), Double.isNaN(r.solved()) ? "-"
                        : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * r.solved()),
                        Studies.verdict(r.finalMse(), r.baseline(), "the constant predictor"));
            }
        }
        output.summary(spec, summary(settings, kindOfTask, kind, tc, runs, plain != null));
        if (kindOfTask.pascanu()) {
            log.printf("solved: the share of test sequences at squared error <= %.2f; the test set's constant predictor"
                    + " solves %.1f%% of them (seed %d's set), the rate to beat%n", PASCANU_SOLVED,
                    100 * results.get(0).baselineSolved(), results.get(0).seed());
        }
        log.printf("files: %s%n", output.written());
        return 0;
    }

    /** The figures of the summary table, for summary.json. */
    private java.util.Map<String, Object> summary(String settings, Task kindOfTask, Studies.ModelKind kind,
                                                  TrainerConfig tc, List<List<SeedResult>> runs, boolean both) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("settings", settings);
        m.put("preset", preset);
        m.put("differences", "pascanu2013".equals(preset) ? Presets.PASCANU_DIFFERENCES : null);
        m.put("task", kindOfTask.pascanu() ? "pascanu" : "classic");
        m.put("T", t);
        m.put("max_length", kindOfTask.pascanu() ? kindOfTask.maxLength() : t);
        m.put("model", kind.name());
        m.put("steps", steps);
        m.put("test_sequences", testSequences);
        List<java.util.Map<String, Object>> rows = new ArrayList<>();
        for (int k = 0; k < runs.size(); k++) {
            for (SeedResult r : runs.get(k)) {
                java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
                row.put("seed", r.seed());
                row.put("regularizer", k == 0 ? tc.regularizer().toString() : "none");
                row.put("final_mse", r.finalMse());
                row.put("constant_predictor", r.baseline());
                row.put("first_step_below_0.01", r.firstBelow() < 0 ? null : r.firstBelow());
                row.put("first_step_below_0.9_constant", firstBelow(r.curve(), 0.9 * r.baseline()));
                row.put("solved_share", r.solved());
                row.put("constant_predictor_solved_share", r.baselineSolved());
                row.put("dE_dh_first", r.flow()[0]);
                row.put("verdict", Studies.verdict(r.finalMse(), r.baseline(), "the constant predictor"));
                rows.add(row);
            }
        }
        m.put("with_and_without_regularizer", both);
        m.put("runs", rows);
        return m;
    }

    /** The first evaluated step (after step 0) whose test MSE is below {@code level}, or null. */
    private static Integer firstBelow(List<double[]> curve, double level) {
        for (double[] p : curve) {
            if (p[0] > 0 && p[1] < level) {
                return (int) p[0];
            }
        }
        return null;
    }

    /** ‖∂E_T/∂h_k‖ for k = 1..T of the trained model on a test batch (top layer). */
    static double[] gradientFlow(RnnModel net, TrainerConfig training, Batch probe) {
        try (Trainer t = new Trainer(net, training.toBuilder().diagnostics(true).build())) {
            t.computeGradients(probe);
            return t.lastGradientFlow().dh();
        }
    }

    /** The gradient flow with and without Ω, seed by seed: a CSV, a plot and a table of the ratios. */
    private void compareFlows(PrintWriter log, Output output, List<SeedResult> with, List<SeedResult> without,
                              Regularizer reg) throws java.io.IOException {
        List<double[]> rows = new ArrayList<>();
        List<Output.Series> series = new ArrayList<>();
        log.printf("%n%6s %14s %14s %22s %22s%n", "seed", "MSE with Ω", "MSE without", "‖∂E_T/∂h_1‖ with Ω",
                "… without");
        for (int i = 0; i < with.size(); i++) {
            SeedResult a = with.get(i);
            SeedResult b = without.get(i);
            int n = a.flow().length;
            double[] lags = new double[n];
            for (int k = 0; k < n; k++) {
                lags[k] = n - 1 - k;
                rows.add(new double[] {a.seed(), n - 1 - k, a.flow()[k], b.flow()[k]});
            }
            series.add(new Output.Series("seed " + a.seed() + ", " + reg, lags, a.flow()));
            series.add(new Output.Series("seed " + a.seed() + ", none", lags, b.flow()));
            log.printf("%6d %14.5f %14.5f %22.3e %22.3e%n", a.seed(), a.finalMse(), b.finalMse(), a.flow()[0],
                    b.flow()[0]);
        }
        output.csv("adding-flow.csv", "seed,lag,dE_dh_with_regularizer,dE_dh_without", rows);
        output.plot("adding-flow.png", "‖∂E_T/∂h_k‖ after training, with and without " + reg + " (T=" + t + ")",
                "lag T − k", "‖∂E_T/∂h_k‖", true, series);
    }

    /** Trains {@code model} (its seed replaced by each of {@code seeds}) with {@code training}. */
    /** Which adding task: the classic one, or Pascanu et al.'s with base lengths from [T, maxLength). */
    record Task(boolean pascanu, int maxLength) {
        Batch draw(int batch, int t, SplittableRandom r) {
            return pascanu ? SyntheticTasks.addingPascanu(batch, SyntheticTasks.pascanuLength(t, maxLength, r), r)
                    : SyntheticTasks.adding(batch, t, r);
        }
    }

    /** Pascanu et al.'s threshold: a test sequence is solved when its squared error is at most this. */
    static final double PASCANU_SOLVED = 0.04;

    /**
     * The share of test sequences the test set's constant predictor (its mean target) solves by Pascanu
     * et al.'s count (squared error at most 0.04): the rate a model must beat. For the mean of two
     * U[0, 1] values it is 0.64 in expectation.
     */
    static double constantPredictorSolved(Batch[] test) {
        double mean = Studies.meanTarget(test);
        long solved = 0;
        long n = 0;
        for (Batch b : test) {
            for (float y : b.targets()) {
                if ((y - mean) * (y - mean) <= PASCANU_SOLVED) {
                    solved++;
                }
                n++;
            }
        }
        return (double) solved / n;
    }

    /** Pascanu's task: MSE and the share of sequences solved, each test sequence evaluated on its own. */
    private static double[] evaluatePerSequence(Trainer trainer, Batch[] test) {
        double sum = 0;
        int solved = 0;
        for (Batch b : test) {
            double e = trainer.evaluate(b);
            sum += e;
            if (e <= PASCANU_SOLVED) {
                solved++;
            }
        }
        return new double[] {sum / test.length, (double) solved / test.length};
    }

    static List<SeedResult> run(PrintWriter out, String backendName, int t, RnnConfig model, TrainerConfig training,
                                int steps, int batch, int every, int testSequences, long[] seeds, Task task) {
        List<SeedResult> results = new ArrayList<>();
        try (Backend backend = Studies.backend(backendName)) {
            for (long seed : seeds) {
                SplittableRandom testRng = new SplittableRandom(1_000_000 + seed);
                // Pascanu's task is scored per sequence (solved or not): its test set is single sequences.
                Batch[] test = task.pascanu() ? new Batch[testSequences]
                        : Studies.testSet(testSequences, n -> SyntheticTasks.adding(n, t, testRng));
                if (task.pascanu()) {
                    for (int i = 0; i < testSequences; i++) {
                        test[i] = task.draw(1, t, testRng);
                    }
                }
                double baseline = Studies.constantPredictorMse(test);
                double solved = Double.NaN;
                SplittableRandom train = new SplittableRandom(seed);
                List<double[]> curve = new ArrayList<>();
                int first = -1;
                double mse = Double.NaN;
                double[] flow;
                try (RnnModel net = new RnnModel(backend, model.toBuilder().seed(seed).build());
                     Trainer trainer = new Trainer(net, training);
                     Progress bar = new Progress("adding seed " + seed, steps)) {
                    mse = Studies.evaluate(trainer, test);
                    if (task.pascanu()) {
                        solved = evaluatePerSequence(trainer, test)[1];
                    }
                    curve.add(new double[] {0, mse, solved});
                    for (int s = 1; s <= steps; s++) {
                        trainer.step(task.draw(batch, t, train));
                        bar.step();
                        if (s % every == 0 || s == steps) {
                            if (task.pascanu()) {
                                double[] e = evaluatePerSequence(trainer, test);
                                mse = e[0];
                                solved = e[1];
                            } else {
                                mse = Studies.evaluate(trainer, test);
                            }
                            curve.add(new double[] {s, mse, solved});
                            bar.extra(String.format("test MSE %.4f", mse));
                            if (first < 0 && mse < 0.01) {
                                first = s;
                            }
                            if (s % (every * 10) == 0 || s == steps) {
                                out.printf("  seed %d step %6d  test MSE %.5f  (this test set's constant predictor"
                                        + " %.4f)%s%n", seed, s, mse, baseline, task.pascanu() ? String.format(
                                        java.util.Locale.ROOT, "  solved %.1f%%", 100 * solved) : "");
                            }
                        }
                    }
                    flow = gradientFlow(net, training, test[0]);
                }
                results.add(new SeedResult(seed, mse, first, curve, flow, baseline, solved,
                        task.pascanu() ? constantPredictorSolved(test) : Double.NaN));
            }
        }
        return results;
    }
}

package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** {@code adding}: the adding problem, test MSE against the constant predictor's 1/6. */
final class AddingCommand implements Command {
    static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("T", "100");
        OPTIONS.put("hidden", "64");
        OPTIONS.put("model", "irnn");
        OPTIONS.put("cell", "");
        OPTIONS.put("layers", "1");
        OPTIONS.put("init", "");
        OPTIONS.put("optimizer", "adam");
        OPTIONS.put("lr", "0.001");
        OPTIONS.put("clip", "global:1");
        OPTIONS.put("steps", "3000");
        OPTIONS.put("batch", "32");
        OPTIONS.put("seeds", "1,2,3");
        OPTIONS.put("eval-every", "100");
        OPTIONS.put("test-batches", "8");
        OPTIONS.put("out", "out/adding");
        OPTIONS.put("backend", "");
    }

    @Override
    public String name() {
        return "adding";
    }

    @Override
    public String summary() {
        return "the adding problem: test MSE against the 1/6 baseline, per seed";
    }

    @Override
    public String help() {
        return """
                usage: java -jar rnn-examples.jar adding [options]

                The adding problem: inputs are a value from U[0,1] and a marker, one marker in each half of
                the sequence; the target is the sum of the two marked values, read at the last step (squared
                error). The constant predictor scores 1/6. Prints test MSE as training goes, and for each seed
                the first step whose test MSE is below 0.01. Writes adding.csv and adding.png to --out.

                options (default in brackets):
                  --T N              sequence length [100]
                  --hidden H         hidden units [64]
                  --model M          tanh | logistic | relu | irnn (ReLU with U = I) | prelu | linear | lstm | gru [irnn]
                  --cell C           elman | lstm | gru: overrides the model's cell [the model's]
                  --layers L         stacked recurrent layers [1]
                  --init SPEC        recurrent initializer, overrides the model's: uniform, glorot,
                                     orthogonal[:gain], identity[:alpha], normal:std
                  --optimizer NAME   sgd | momentum | adagrad | rmsprop | adam [adam]
                  --lr X             learning rate [0.001]
                  --clip MODE        none | global:THETA | value:C [global:1]
                  --steps N          training steps per seed [3000]
                  --batch B          sequences per step [32]
                  --seeds LIST       comma-separated seeds [1,2,3]
                  --eval-every N     steps between test evaluations [100]
                  --test-batches N   test batches of B sequences, drawn once [8]
                  --out DIR          output folder [out/adding]
                  --backend NAME     force a backend
                """;
    }

    /** The result of one seed. */
    record SeedResult(long seed, double finalMse, int firstBelow, List<double[]> curve) {
    }

    @Override
    public int run(List<String> argv, PrintStream out) throws Exception {
        Args a = new Args(argv, OPTIONS);
        int t = a.integer("T", 2);
        int hidden = a.integer("hidden", 1);
        Studies.ModelKind kind = Studies.modelKind(a);
        Init init = Studies.recurrentInit(a, kind);
        Clipping clip = a.parse("clip", Clipping::parse);
        OptimizerConfig opt = Studies.optimizer(a);
        int steps = a.integer("steps", 1);
        int batch = a.integer("batch", 1);
        int every = a.integer("eval-every", 1);
        int testBatches = a.integer("test-batches", 1);
        long[] seeds = a.parse("seeds", s -> java.util.Arrays.stream(s.split(",")).mapToLong(Long::parseLong).toArray());
        Output output = new Output(Path.of(a.get("out")), out);
        out.printf("adding problem: T=%d, H=%d, model %s (recurrent init %s), %s, clip %s, B=%d, %d steps, seeds %s%n",
                t, hidden, kind.name(), init, opt, clip, batch, steps, a.get("seeds"));
        out.printf("baseline (constant predictor): MSE %.4f%n", Tasks.ADDING_BASELINE);
        List<SeedResult> results = run(out, a.get("backend"), t, hidden, kind, init, opt, clip, steps, batch, every,
                testBatches, seeds, a.integer("layers", 1));
        List<double[]> rows = new ArrayList<>();
        List<Output.Series> series = new ArrayList<>();
        for (SeedResult r : results) {
            double[] xs = new double[r.curve().size()];
            double[] ys = new double[r.curve().size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = r.curve().get(i)[0];
                ys[i] = r.curve().get(i)[1];
                rows.add(new double[] {r.seed(), xs[i], ys[i]});
            }
            series.add(new Output.Series("seed " + r.seed(), xs, ys));
        }
        double[] bx = {0, steps};
        series.add(new Output.Series("baseline 1/6", bx, new double[] {Tasks.ADDING_BASELINE, Tasks.ADDING_BASELINE}));
        output.csv("adding.csv", "seed,step,test_mse", rows);
        output.plot("adding.png", "Adding problem, T=" + t + ", " + kind.name(), "training step", "test MSE", true, series);
        out.printf("%nsummary (T=%d, %s):%n%6s %12s %22s%n", t, kind.name(), "seed", "final MSE", "first step MSE < 0.01");
        for (SeedResult r : results) {
            out.printf("%6d %12.5f %22s%n", r.seed(), r.finalMse(), r.firstBelow() < 0 ? "not reached"
                    : Integer.toString(r.firstBelow()));
        }
        out.printf("files: %s%n", output.written());
        return 0;
    }

    static List<SeedResult> run(PrintStream out, String backendName, int t, int hidden, Studies.ModelKind kind,
                                Init init, OptimizerConfig opt, Clipping clip, int steps, int batch, int every,
                                int testBatches, long[] seeds, int layers) {
        List<SeedResult> results = new ArrayList<>();
        try (Backend backend = Studies.backend(backendName)) {
            for (long seed : seeds) {
                SplittableRandom testRng = new SplittableRandom(1_000_000 + seed);
                Batch[] test = new Batch[testBatches];
                for (int i = 0; i < testBatches; i++) {
                    test[i] = Tasks.adding(batch, t, testRng);
                }
                SplittableRandom train = new SplittableRandom(seed);
                List<double[]> curve = new ArrayList<>();
                int first = -1;
                double mse = Double.NaN;
                try (RnnModel model = new RnnModel(backend, Studies.addingModel(hidden, kind, init, seed)
                        .toBuilder().layers(layers).build());
                     Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_LAST_STEP)
                             .reduction(Reduction.MEAN).optimizer(opt).clipping(clip)
                             .nonFinitePolicy(io.rnn4j.diagnostics.NonFinitePolicy.SKIP_UPDATE).build());
                     Progress bar = new Progress("adding seed " + seed, steps)) {
                    mse = Studies.evaluate(trainer, test);
                    curve.add(new double[] {0, mse});
                    for (int s = 1; s <= steps; s++) {
                        trainer.step(Tasks.adding(batch, t, train));
                        bar.step();
                        if (s % every == 0 || s == steps) {
                            mse = Studies.evaluate(trainer, test);
                            curve.add(new double[] {s, mse});
                            bar.extra(String.format("test MSE %.4f", mse));
                            if (first < 0 && mse < 0.01) {
                                first = s;
                            }
                            if (s % (every * 10) == 0 || s == steps) {
                                out.printf("  seed %d step %6d  test MSE %.5f  (baseline %.4f)%n", seed, s, mse,
                                        Tasks.ADDING_BASELINE);
                            }
                        }
                    }
                }
                results.add(new SeedResult(seed, mse, first, curve));
            }
        }
        return results;
    }
}

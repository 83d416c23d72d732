package io.rnn4j.examples;

import io.rnn4j.data.SyntheticTasks;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.diagnostics.Spectral;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.StepResult;
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

/**
 * {@code exploding}: a network whose recurrent matrix has spectral radius well above 1, trained with
 * and without global-norm clipping: gradient norm and loss per update.
 */
@Command(name = "exploding", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"Spectral radius well above 1, trained with and without global-norm clipping.", "",
            "U starts as an orthogonal matrix times --gain (spectral radius = gain); the same network and data are "
                + "trained by SGD on the adding problem twice, without clipping and with global-norm clipping at "
                + "--theta. Prints the gradient norm and loss statistics, writes exploding.csv, exploding-norm.png "
                + "and exploding-loss.png. A step whose loss or gradient is not finite skips its update and is "
                + "counted."})
final class ExplodingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--T", paramLabel = "N", description = "sequence length")
    int t = 40;
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 32;
    @Option(names = "--gain", paramLabel = "G", description = "spectral radius of the initial U")
    double gain = 2;
    @Option(defaultValue = "relu", names = "--activation", paramLabel = "F", converter = Cli.ActivationConverter.class,
            description = "tanh | logistic | relu | prelu | identity")
    Activation f;
    @Option(names = "--lr", paramLabel = "X", description = "SGD learning rate")
    double lr = 0.01;
    @Option(names = "--theta", paramLabel = "X", description = "global-norm threshold of the clipped run")
    double theta = 1;
    @Option(names = "--steps", paramLabel = "N", description = "updates per run")
    int steps = 300;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per step")
    int batch = 32;
    @Option(names = "--seed", paramLabel = "N", description = "seed")
    long seed = 1;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path out = Path.of("out/exploding");
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    /** One run's per-update record. */
    record Run(String name, double[] norm, double[] loss, int nonFinite, int clipped, double spectralRadius) {
        double max(double[] v) {
            double m = 0;
            for (double x : v) {
                if (Double.isFinite(x)) {
                    m = Math.max(m, x);
                }
            }
            return m;
        }

        double median(double[] v) {
            double[] s = java.util.Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
            return s.length == 0 ? Double.NaN : s[s.length / 2];
        }

        double lastLoss() {
            for (int i = loss.length - 1; i >= 0; i--) {
                if (Double.isFinite(loss[i])) {
                    return loss[i];
                }
            }
            return Double.NaN;
        }
    }

    @Override
    public Integer call() throws Exception {
        Cli.atLeast(spec, "--T", t, 2);
        Cli.atLeast(spec, "--hidden", hidden, 1);
        Cli.positive(spec, "--gain", gain);
        Cli.positive(spec, "--lr", lr);
        Cli.positive(spec, "--theta", theta);
        Cli.atLeast(spec, "--steps", steps, 1);
        Cli.atLeast(spec, "--batch", batch, 1);
        PrintWriter out = spec.commandLine().getOut();
        Output output = new Output(this.out, out);
        out.printf("exploding gradients: U = orthogonal × %.2f, %s, T=%d, H=%d, SGD lr %.3g, %d updates%n", gain,
                f.id(), t, hidden, lr, steps);
        List<Run> runs = run(backend, t, hidden, gain, f, lr, theta, steps, batch, seed);
        List<double[]> rows = new ArrayList<>();
        double[] xs = new double[steps];
        for (int s = 0; s < steps; s++) {
            xs[s] = s + 1;
            rows.add(new double[] {s + 1, runs.get(0).norm()[s], runs.get(0).loss()[s], runs.get(1).norm()[s],
                    runs.get(1).loss()[s]});
        }
        output.csv("exploding.csv", "update,grad_norm_unclipped,loss_unclipped,grad_norm_clipped,loss_clipped", rows);
        output.plot("exploding-norm.png", "Pre-clip gradient norm per update (spectral radius " + gain
                + "; overflow drawn at 1e30)", "update", "‖g‖", true,
                List.of(new Output.Series(runs.get(0).name(), xs, capped(runs.get(0).norm())),
                        new Output.Series(runs.get(1).name(), xs, capped(runs.get(1).norm()))));
        output.plot("exploding-loss.png", "Training loss per update (overflow drawn at 1e30)", "update", "MSE", true,
                List.of(new Output.Series(runs.get(0).name(), xs, capped(runs.get(0).loss())),
                        new Output.Series(runs.get(1).name(), xs, capped(runs.get(1).loss()))));
        out.printf("%nspectral radius of U at initialization: %.3f%n", runs.get(0).spectralRadius());
        out.printf("%-20s %14s %14s %12s %14s %12s%n", "run", "max ‖g‖", "median ‖g‖", "clipped", "non-finite", "last loss");
        for (Run r : runs) {
            out.printf("%-20s %14.3e %14.3e %12d %14d %12.4f%n", r.name(), r.max(r.norm()), r.median(r.norm()),
                    r.clipped(), r.nonFinite(), r.lastLoss());
        }
        List<java.util.Map<String, Object>> summary = new ArrayList<>();
        for (Run r : runs) {
            summary.add(java.util.Map.of("run", r.name(), "max_norm", r.max(r.norm()), "median_norm",
                    r.median(r.norm()), "clipped", r.clipped(), "non_finite", r.nonFinite(), "last_loss", r.lastLoss()));
        }
        output.summary(spec, java.util.Map.of("gain", gain, "activation", f.id(), "T", t, "hidden", hidden, "lr", lr,
                "updates", steps, "theta", theta, "spectral_radius", runs.get(0).spectralRadius(), "runs", summary));
        out.printf("files: %s%n", output.written());
        return 0;
    }

    /** Non-finite values drawn at 1e30, so that an overflowing run stays visible on a log axis. */
    static double[] capped(double[] v) {
        double[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            if (!Double.isFinite(out[i]) || out[i] > 1e30) {
                out[i] = 1e30;
            }
        }
        return out;
    }

    static List<Run> run(String backendName, int t, int hidden, double gain, Activation f, double lr, double theta,
                         int steps, int batch, long seed) {
        List<Run> runs = new ArrayList<>();
        try (Backend backend = Studies.backend(backendName)) {
            for (Clipping clip : new Clipping[] {Clipping.none(), Clipping.globalNorm(theta)}) {
                RnnConfig cfg = RnnConfig.dense(2, hidden, 1).activation(f).recurrentInit(Init.orthogonal(gain))
                        .inputInit(Init.glorot()).outputInit(Init.glorot()).seed(seed).build();
                double[] norm = new double[steps];
                double[] loss = new double[steps];
                int nonFinite = 0;
                int clipped = 0;
                double radius;
                try (RnnModel model = new RnnModel(backend, cfg);
                     Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_LAST_STEP)
                             .reduction(Reduction.MEAN).optimizer(OptimizerConfig.sgd(lr)).clipping(clip)
                             .nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build());
                     Progress bar = new Progress("exploding " + clip, steps)) {
                    float[] u = model.parameter(ParameterLayout.RECURRENT_WEIGHTS);
                    double[] ud = new double[u.length];
                    for (int i = 0; i < u.length; i++) {
                        ud[i] = u[i];
                    }
                    radius = Spectral.spectralRadius(ud, hidden);
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int s = 0; s < steps; s++) {
                        StepResult res = trainer.step(SyntheticTasks.adding(batch, t, r));
                        norm[s] = res.gradNorm();
                        loss[s] = res.loss();
                        if (res.nonFinite() != null) {
                            nonFinite++;
                        } else if (res.clipScale() < 1) {
                            clipped++;
                        }
                        bar.step();
                    }
                }
                runs.add(new Run(clip.mode() == Clipping.Mode.NONE ? "no clipping" : "global-norm clip " + theta, norm,
                        loss, nonFinite, clipped, radius));
            }
        }
        return runs;
    }
}

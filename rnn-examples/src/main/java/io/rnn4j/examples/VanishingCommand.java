package io.rnn4j.examples;

import io.rnn4j.data.SyntheticTasks;
import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.diagnostics.GradientFlow;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vanishing}: ‖∂E_T/∂h_k‖ against T − k for several models, at initialization and after
 * training on the adding problem, with the fitted decay rate per step.
 */
@Command(name = "vanishing", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"‖∂E_T/∂h_k‖ against T−k for tanh, logistic, ReLU, IRNN, LSTM and GRU, before and after "
                + "training.", "",
            "The gradient of the last step's loss with respect to an earlier hidden state, ‖∂E_T/∂h_k‖, shrinks (or "
                + "grows) geometrically with the lag T − k. For each model, on batches of the adding problem (loss at "
                + "the last step only), at initialization and after training, with the fitted rate per step (slope of "
                + "ln‖∂E_T/∂h_k‖ against T − k). Writes vanishing.csv, vanishing-init.png and vanishing-trained.png "
                + "to --out."})
final class VanishingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--T", paramLabel = "N", description = "sequence length")
    int t = 100;
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 64;
    @Option(defaultValue = "tanh,logistic,relu,irnn,lstm,gru", names = "--models", paramLabel = "LIST", split = ",", converter = Studies.ModelConverter.class,
            description = "of tanh, logistic, relu, irnn, prelu, linear, lstm, gru")
    List<Studies.ModelKind> models;
    @Option(names = "--train-steps", paramLabel = "N",
            description = "Adam steps on the adding problem between the two measurements")
    int trainSteps = 500;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per batch")
    int batch = 32;
    @Option(names = "--lr", paramLabel = "X", description = "Adam learning rate")
    double lr = 0.001;
    @Option(names = "--seed", paramLabel = "N", description = "seed")
    long seed = 1;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path out = Path.of("out/vanishing");
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    /** Per model: normalized curves at init and trained, and the decay rates. */
    record Result(String model, double[] init, double[] trained, double rateInit, double rateTrained) {
    }

    @Override
    public Integer call() throws Exception {
        Cli.atLeast(spec, "--T", t, 2);
        Cli.atLeast(spec, "--hidden", hidden, 1);
        Cli.atLeast(spec, "--train-steps", trainSteps, 0);
        Cli.atLeast(spec, "--batch", batch, 1);
        Cli.positive(spec, "--lr", lr);
        List<Studies.ModelKind> kinds = models;
        PrintWriter out = spec.commandLine().getOut();
        Output output = new Output(this.out, out);
        out.printf("vanishing gradients: ‖∂E_T/∂h_k‖ on the adding problem, T=%d, H=%d, B=%d; %d Adam steps between%n",
                t, hidden, batch, trainSteps);
        List<Result> results = run(backend, kinds, t, hidden, trainSteps, batch, lr, seed);
        List<double[]> rows = new ArrayList<>();
        List<Output.Series> initSeries = new ArrayList<>();
        List<Output.Series> trainedSeries = new ArrayList<>();
        double[] lags = new double[t];
        for (int k = 0; k < t; k++) {
            lags[k] = t - 1 - k;
        }
        for (int m = 0; m < results.size(); m++) {
            Result r = results.get(m);
            for (int k = 0; k < t; k++) {
                rows.add(new double[] {m, t - 1 - k, r.init()[k], r.trained()[k]});
            }
            initSeries.add(new Output.Series(r.model(), lags, r.init()));
            trainedSeries.add(new Output.Series(r.model(), lags, r.trained()));
        }
        output.csv("vanishing.csv", "model_index(" + String.join(";", kinds.stream().map(Studies.ModelKind::name).toList())
                + "),lag,norm_ratio_init,norm_ratio_trained", rows);
        output.plot("vanishing-init.png", "‖∂E_T/∂h_k‖ / ‖∂E_T/∂h_T‖ at initialization (T=" + t + ")", "lag T − k",
                "gradient norm ratio", true, initSeries);
        output.plot("vanishing-trained.png", "‖∂E_T/∂h_k‖ / ‖∂E_T/∂h_T‖ after " + trainSteps + " steps", "lag T − k",
                "gradient norm ratio", true, trainedSeries);
        out.printf("%n%-9s %16s %16s %18s %18s%n", "model", "rate/step init", "rate/step trained",
                "ratio at lag " + (t - 1) + " init", "… trained");
        for (Result r : results) {
            out.printf("%-9s %16.4f %16.4f %18.3e %18.3e%n", r.model(), r.rateInit(), r.rateTrained(), r.init()[0],
                    r.trained()[0]);
        }
        out.println("rate/step: slope of ln‖∂E_T/∂h_k‖ against T − k; −0.1 means the gradient shrinks by e^−0.1 per step back.");
        List<Map<String, Object>> models = new ArrayList<>();
        for (Result r : results) {
            models.add(Map.of("model", r.model(), "rate_init", r.rateInit(), "rate_trained", r.rateTrained(),
                    "ratio_first_lag_init", r.init()[0], "ratio_first_lag_trained", r.trained()[0]));
        }
        output.summary(spec, Map.of("T", t, "hidden", hidden, "batch", batch, "train_steps", trainSteps, "lr", lr,
                "seed", seed, "models", models));
        out.printf("files: %s%n", output.written());
        return 0;
    }

    static List<Result> run(String backendName, List<Studies.ModelKind> kinds, int t, int hidden, int trainSteps,
                            int batch, double lr, long seed) {
        List<Result> out = new ArrayList<>();
        try (Backend backend = Studies.backend(backendName)) {
            for (Studies.ModelKind k : kinds) {
                SplittableRandom probeRng = new SplittableRandom(seed * 7 + 1);
                Batch probe = SyntheticTasks.adding(batch, t, probeRng);
                try (RnnModel model = new RnnModel(backend, Studies.addingModel(hidden, k, k.recurrent(), seed));
                     Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_LAST_STEP)
                             .reduction(Reduction.MEAN).optimizer(OptimizerConfig.adam(lr)).clipping(Clipping.globalNorm(1))
                             .diagnostics(true).nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build());
                     Progress bar = new Progress("vanishing " + k.name(), trainSteps)) {
                    trainer.computeGradients(probe);
                    GradientFlow before = trainer.lastGradientFlow();
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int s = 0; s < trainSteps; s++) {
                        trainer.step(SyntheticTasks.adding(batch, t, r));
                        bar.step();
                    }
                    trainer.computeGradients(probe);
                    GradientFlow after = trainer.lastGradientFlow();
                    out.add(new Result(k.name(), normalized(before.dh()), normalized(after.dh()),
                            before.decayRatePerStep(), after.decayRatePerStep()));
                }
            }
        }
        return out;
    }

    /** ‖∂E/∂h_k‖ / ‖∂E/∂h_{T−1}‖. */
    static double[] normalized(double[] dh) {
        double last = dh[dh.length - 1];
        double[] out = new double[dh.length];
        for (int k = 0; k < dh.length; k++) {
            out[k] = last > 0 ? dh[k] / last : Double.NaN;
        }
        return out;
    }
}

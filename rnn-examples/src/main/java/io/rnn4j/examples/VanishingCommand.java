package io.rnn4j.examples;

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
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code vanishing}: ‖∂E_T/∂h_k‖ against T − k for several models, at initialization and after
 * training on the adding problem, with the fitted decay rate per step.
 */
final class VanishingCommand implements Command {
    static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("T", "100");
        OPTIONS.put("hidden", "64");
        OPTIONS.put("models", "tanh,logistic,relu,irnn,lstm,gru");
        OPTIONS.put("train-steps", "500");
        OPTIONS.put("batch", "32");
        OPTIONS.put("lr", "0.001");
        OPTIONS.put("seed", "1");
        OPTIONS.put("out", "out/vanishing");
        OPTIONS.put("backend", "");
    }

    @Override
    public String name() {
        return "vanishing";
    }

    @Override
    public String summary() {
        return "‖∂E_T/∂h_k‖ against T−k for tanh, logistic, ReLU, IRNN, LSTM and GRU, before and after training";
    }

    @Override
    public String help() {
        return """
                usage: java -jar rnn-examples.jar vanishing [options]

                The derivation's central claim, measured: the gradient of the last step's loss with respect to
                an earlier hidden state, ‖∂E_T/∂h_k‖, shrinks (or grows) geometrically with the lag T − k. For
                each model, on batches of the adding problem (loss at the last step only), at initialization and
                after training, with the fitted rate per step (slope of ln‖∂E_T/∂h_k‖ against T − k). Writes
                vanishing.csv, vanishing-init.png and vanishing-trained.png to --out.

                options (default in brackets):
                  --T N              sequence length [100]
                  --hidden H         hidden units [64]
                  --models LIST      of tanh, logistic, relu, irnn, prelu, linear, lstm, gru
                                     [tanh,logistic,relu,irnn,lstm,gru]
                  --train-steps N    Adam steps on the adding problem between the two measurements [500]
                  --batch B          sequences per batch [32]
                  --lr X             Adam learning rate [0.001]
                  --seed N           seed [1]
                  --out DIR          output folder [out/vanishing]
                  --backend NAME     force a backend
                """;
    }

    /** Per model: normalized curves at init and trained, and the decay rates. */
    record Result(String model, double[] init, double[] trained, double rateInit, double rateTrained) {
    }

    @Override
    public int run(List<String> argv, PrintStream out) throws Exception {
        Args a = new Args(argv, OPTIONS);
        int t = a.integer("T", 2);
        int hidden = a.integer("hidden", 1);
        int trainSteps = a.integer("train-steps", 0);
        int batch = a.integer("batch", 1);
        double lr = a.number("lr");
        long seed = a.longValue("seed");
        List<Studies.ModelKind> kinds = new ArrayList<>();
        for (String m : a.get("models").split(",")) {
            kinds.add(a.parse("models", x -> Studies.ModelKind.parse(m)));
        }
        Output output = new Output(Path.of(a.get("out")), out);
        out.printf("vanishing gradients: ‖∂E_T/∂h_k‖ on the adding problem, T=%d, H=%d, B=%d; %d Adam steps between%n",
                t, hidden, batch, trainSteps);
        List<Result> results = run(a.get("backend"), kinds, t, hidden, trainSteps, batch, lr, seed);
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
        out.printf("files: %s%n", output.written());
        return 0;
    }

    static List<Result> run(String backendName, List<Studies.ModelKind> kinds, int t, int hidden, int trainSteps,
                            int batch, double lr, long seed) {
        List<Result> out = new ArrayList<>();
        try (Backend backend = Studies.backend(backendName)) {
            for (Studies.ModelKind k : kinds) {
                SplittableRandom probeRng = new SplittableRandom(seed * 7 + 1);
                Batch probe = Tasks.adding(batch, t, probeRng);
                try (RnnModel model = new RnnModel(backend, Studies.addingModel(hidden, k, k.recurrent(), seed));
                     Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_LAST_STEP)
                             .reduction(Reduction.MEAN).optimizer(OptimizerConfig.adam(lr)).clipping(Clipping.globalNorm(1))
                             .diagnostics(true).nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build());
                     Progress bar = new Progress("vanishing " + k.name(), trainSteps)) {
                    trainer.computeGradients(probe);
                    GradientFlow before = trainer.lastGradientFlow();
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int s = 0; s < trainSteps; s++) {
                        trainer.step(Tasks.adding(batch, t, r));
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

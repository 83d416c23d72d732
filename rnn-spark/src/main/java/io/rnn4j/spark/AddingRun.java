package io.rnn4j.spark;

import io.rnn4j.backend.Activation;
import io.rnn4j.data.Batch;
import io.rnn4j.data.SyntheticTasks;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.Serializable;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One run of the adding-problem study (as {@code rnn-examples adding}): a model trained with Adam and
 * global-norm clipping at 1 on fresh batches, its test MSE on fixed batches every {@code evalEvery}
 * steps.
 *
 * @param model tanh, relu, irnn (ReLU, U = I, small input weights), lstm or gru
 * @param t the sequence length T
 * @param hidden H
 * @param steps training steps
 * @param batch B
 * @param lr Adam's learning rate
 * @param seed the seed of the initialization and of the training batches
 * @param evalEvery steps between test evaluations
 */
public record AddingRun(String model, int t, int hidden, int steps, int batch, double lr, long seed, int evalEvery)
        implements Serializable {

    /**
     * What a run measured.
     *
     * @param run the run
     * @param finalMse the last test MSE
     * @param firstBelow the first evaluated step with test MSE below 0.01, or −1
     * @param curve {@code {step, test MSE}} at each evaluation
     * @param backend the backend and kernel path that trained it (results differ between paths by float
     *     rounding)
     */
    public record Result(AddingRun run, double finalMse, int firstBelow, double[][] curve, String backend)
            implements Serializable {
    }

    /** {@return the model's configuration} */
    public RnnConfig config() {
        RnnConfig.Builder b = RnnConfig.dense(2, hidden, 1).seed(seed).outputInit(Init.glorot());
        return switch (model.toLowerCase(Locale.ROOT)) {
            case "tanh" -> b.activation(Activation.TANH).build();
            case "relu" -> b.activation(Activation.RELU).build();
            case "irnn" -> b.activation(Activation.RELU).recurrentInit(Init.identity(1.0)).inputInit(Init.normal(0.001))
                    .build();
            case "lstm" -> b.cell(CellType.LSTM).build();
            case "gru" -> b.cell(CellType.GRU).build();
            default -> throw new IllegalArgumentException("unknown model '" + model
                    + "' (expected tanh, relu, irnn, lstm or gru)");
        };
    }

    /** {@return the run's result, trained on the CPU or GPU backend of the task's executor} */
    public Result train() {
        SplittableRandom testRng = new SplittableRandom(1_000_000 + seed);
        Batch[] test = new Batch[4];
        for (int i = 0; i < test.length; i++) {
            test[i] = SyntheticTasks.adding(batch, t, testRng);
        }
        TrainerConfig tc = TrainerConfig.builder().loss(Loss.MSE_LAST_STEP).reduction(Reduction.MEAN)
                .optimizer(OptimizerConfig.adam(lr)).clipping(Clipping.globalNorm(1))
                .nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build();
        int points = steps / evalEvery + 1;
        double[][] curve = new double[points][];
        int n = 0;
        int first = -1;
        double mse;
        try (RnnModel m = new RnnModel(Executors.backend(), config()); Trainer tr = new Trainer(m, tc)) {
            SplittableRandom r = new SplittableRandom(seed);
            mse = evaluate(tr, test);
            curve[n++] = new double[] {0, mse};
            for (int s = 1; s <= steps; s++) {
                tr.step(SyntheticTasks.adding(batch, t, r));
                if (s % evalEvery == 0) {
                    mse = evaluate(tr, test);
                    curve[n++] = new double[] {s, mse};
                    if (first < 0 && mse < 0.01) {
                        first = s;
                    }
                }
            }
        }
        return new Result(this, mse, first, java.util.Arrays.copyOf(curve, n), Executors.backend().description());
    }

    private static double evaluate(Trainer t, Batch[] test) {
        double s = 0;
        for (Batch b : test) {
            s += t.evaluate(b);
        }
        return s / test.length;
    }
}

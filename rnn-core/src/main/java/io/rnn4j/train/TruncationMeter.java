package io.rnn4j.train;

import io.rnn4j.data.Batch;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How biased truncated BPTT's gradient is: on one window of {@code K} steps, from one initial
 * state and with the parameters as they are, the gradient truncated BPTT with windows of {@code k}
 * steps accumulates (the sum of the gradients of the {@code K/k} consecutive windows, each starting
 * from the state the previous one carried, no gradient across a boundary: what a trainer with
 * {@link TrainerConfig#carryState()} computes over those steps, before updating) against the full
 * gradient of the same {@code K} steps (backpropagation through all of them). Reported overall and
 * per parameter: the cosine between the two and the ratio of their norms. At {@code k = K} the two
 * are the same computation and agree exactly; as {@code k} shrinks, the cosine says how much of the
 * long-range gradient truncation throws away.
 *
 * <p>Losses are summed (not averaged) in both gradients so that they are comparable. With a
 * last-step loss ({@link Loss#MSE_LAST_STEP}, {@link Loss#CROSS_ENTROPY_LAST_STEP}) only the last
 * window carries a loss; the earlier ones only advance the state. The batch must have equal-length
 * sequences. Nothing of the model changes; the measurement uses its own trainers (and their
 * memory) and closes them.
 */
public final class TruncationMeter {
    private final RnnModel model;
    private final Loss loss;

    /**
     * A meter for {@code model} under {@code loss}.
     *
     * @param model the model whose current parameters are measured (not changed)
     * @param loss the loss the model is trained with
     * @throws IllegalArgumentException for a bidirectional model (truncation is not defined for it)
     */
    public TruncationMeter(RnnModel model, Loss loss) {
        this.model = Objects.requireNonNull(model, "model");
        this.loss = Objects.requireNonNull(loss, "loss");
        if (model.config().bidirectional()) {
            throw new IllegalArgumentException("a bidirectional model is not trained with truncated BPTT");
        }
    }

    /**
     * The two gradients compared.
     *
     * @param window K, the steps of the full gradient
     * @param truncation k, the steps of each truncated window
     * @param cosine the cosine between the truncated and the full gradient over every parameter
     * @param normRatio ‖truncated‖ / ‖full‖
     * @param perParameter per parameter name: {@code {cosine, norm ratio}}
     */
    public record Report(int window, int truncation, double cosine, double normRatio,
                         Map<String, double[]> perParameter) {
    }

    /**
     * Measures on {@code batch} (B sequences of K steps, equal lengths) from the initial states
     * {@code hidden} and {@code cell} (as {@link Trainer#setHiddenState}; zeros when null).
     *
     * @param batch the K steps; K must be a multiple of {@code k}
     * @param k the truncation window, at least 1
     * @param hidden the initial hidden state, {@code L·B·H} values, or null for zeros
     * @param cell the LSTM's initial cell state, or null for zeros
     * @return the comparison
     * @throws IllegalArgumentException when K is not a multiple of k, or the batch has lengths
     */
    public Report measure(Batch batch, int k, float[] hidden, float[] cell) {
        int steps = batch.steps();
        if (k < 1 || steps % k != 0) {
            throw new IllegalArgumentException("the window of " + steps + " steps is not a multiple of k = " + k);
        }
        if (batch.lengths() != null) {
            throw new IllegalArgumentException("the truncation meter needs equal-length sequences (no lengths)");
        }
        float[] full = gradient(batch, steps, hidden, cell);
        float[] truncated = gradient(batch, k, hidden, cell);
        Map<String, double[]> per = new LinkedHashMap<>();
        for (ParameterLayout.Entry e : model.layout().entries()) {
            int from = (int) e.offset();
            int to = (int) (from + e.size());
            per.put(e.name(), compare(truncated, full, from, to));
        }
        double[] all = compare(truncated, full, 0, full.length);
        return new Report(steps, k, all[0], all[1], per);
    }

    /** {cosine, norm ratio} of {@code a} against {@code b} over {@code [from, to)}. */
    private static double[] compare(float[] a, float[] b, int from, int to) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = from; i < to; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        double cos = na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / Math.sqrt(na * nb);
        double ratio = nb == 0 ? (na == 0 ? 1 : Double.POSITIVE_INFINITY) : Math.sqrt(na / nb);
        return new double[] {cos, ratio};
    }

    /** The summed gradient of truncated BPTT with windows of {@code k} over the batch (k = K: full BPTT). */
    private float[] gradient(Batch batch, int k, float[] hidden, float[] cell) {
        int b = batch.batchSize();
        int windows = batch.steps() / k;
        TrainerConfig withLoss = TrainerConfig.builder().loss(loss).reduction(Reduction.SUM)
                .clipping(Clipping.none()).optimizer(OptimizerConfig.sgd(1)).carryState(true).build();
        TrainerConfig advanceOnly = withLoss.toBuilder().loss(Loss.MSE_EVERY_STEP).build();
        try (Trainer main = new Trainer(model, withLoss); Trainer advance = new Trainer(model, advanceOnly)) {
            float[] sum = new float[(int) model.parameterCount()];
            setStates(main, b, hidden, cell);
            setStates(advance, b, hidden, cell);
            for (int w = 0; w < windows; w++) {
                boolean last = w == windows - 1;
                if (loss.lastStepOnly() && !last) {
                    advance.computeGradients(inputsOnly(batch, w * k, k));
                    continue;
                }
                if (loss.lastStepOnly()) {
                    copyStates(advance, main, b);
                }
                main.computeGradients(batch.window(w * k, k));
                float[] g = main.gradients().downloadAll();
                for (int i = 0; i < g.length; i++) {
                    sum[i] += g[i];
                }
            }
            return sum;
        }
    }

    private void setStates(Trainer t, int b, float[] hidden, float[] cell) {
        int n = model.config().layers() * b * model.config().hiddenSize();
        t.setHiddenState(b, hidden != null ? hidden : new float[n]);
        if (model.config().cell().implementation().stateCount() > 1) {
            t.setCellState(b, cell != null ? cell : new float[n]);
        }
    }

    private void copyStates(Trainer from, Trainer to, int b) {
        to.setHiddenState(b, from.hiddenState());
        float[] c = from.cellState();
        if (c.length > 0) {
            to.setCellState(b, c);
        }
    }

    /** Steps {@code [from, from + k)} with zero-weight squared-error targets: they only advance the state. */
    private Batch inputsOnly(Batch batch, int from, int k) {
        Batch w = batch.window(from, k);
        int b = batch.batchSize();
        int o = model.config().outputSize();
        float[] y = new float[b * k * o];
        Batch out = w.hasTokenInputs() ? Batch.tokensWithDenseTargets(b, k, w.inputIds(), y, o)
                : Batch.denseTimeMajor(b, k, w.inputs(), w.inputWidth(), y, o);
        return out.withLossMask(new float[b * k]);
    }
}

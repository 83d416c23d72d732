package io.rnn4j.reference;

import io.rnn4j.backend.Activation;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Loss;
import io.rnn4j.train.Reduction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One gradient-check case: model shape, activation, biases, input kind, head, reduction, variable
 * lengths and loss masks, and an initial hidden state, with random parameters and data from a seed.
 *
 * @param variable 0 = every step counts, 1 = per-sequence lengths and a loss mask
 */
public record Scenario(Activation activation, boolean biases, InputKind inputKind, Loss loss, Reduction reduction,
                       int variable, boolean initialState, long seed) {

    public static final int B = 3;
    public static final int T = 5;
    public static final int H = 4;
    public static final int D = 6;
    public static final int O = 3;

    /** Every combination (activation × biases × inputs × head × lengths/masks × initial state). */
    public static List<Scenario> all() {
        List<Scenario> out = new ArrayList<>();
        long seed = 11;
        for (Activation a : Activation.values()) {
            for (boolean bias : new boolean[] {true, false}) {
                for (InputKind in : InputKind.values()) {
                    for (Loss l : new Loss[] {Loss.SOFTMAX_CROSS_ENTROPY, Loss.MSE_EVERY_STEP, Loss.MSE_LAST_STEP}) {
                        for (int v = 0; v < 2; v++) {
                            for (boolean h0 : new boolean[] {false, true}) {
                                Reduction r = (seed % 2 == 0) ? Reduction.SUM : Reduction.MEAN;
                                out.add(new Scenario(a, bias, in, l, r, v, h0, seed++));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    public RnnConfig config() {
        RnnConfig.Builder b = inputKind == InputKind.TOKENS ? RnnConfig.tokens(D, H).outputSize(O)
                : RnnConfig.dense(D, H, O);
        return b.activation(activation).biases(biases).init(Init.normal(0.6)).seed(seed).build();
    }

    /**
     * Parameters of {@code config} drawn uniformly from {@code (−bound, bound)}, entry by entry in
     * layout order from one generator seeded with {@code seed}, by name.
     */
    public static Map<String, float[]> uniformParameters(RnnConfig config, long seed, double bound) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, float[]> m = new LinkedHashMap<>();
        for (ParameterLayout.Entry e : ParameterLayout.of(config).entries()) {
            float[] v = new float[(int) e.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextDouble(-bound, bound);
            }
            m.put(e.name(), v);
        }
        return m;
    }

    /** Random parameters (biases and PReLU slopes included), by name. */
    public Map<String, float[]> parameters() {
        SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        Map<String, float[]> m = new LinkedHashMap<>();
        for (ParameterLayout.Entry e : ParameterLayout.of(config()).entries()) {
            float[] v = new float[(int) e.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextDouble(-0.9, 0.9));
            }
            if (e.name().equals(ParameterLayout.PRELU_SLOPE)) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextDouble(0.05, 0.5);
                }
            }
            m.put(e.name(), v);
        }
        return m;
    }

    /** Loads {@link #parameters()} into a model. */
    public void load(RnnModel model) {
        parameters().forEach(model::setParameter);
    }

    /** A batch of B sequences of T steps. */
    public Batch batch() {
        return batch(seed * 17 + 3);
    }

    public Batch batch(long dataSeed) {
        SplittableRandom r = new SplittableRandom(dataSeed);
        int n = B * T;
        Batch batch;
        int[] ids = new int[n];
        float[] x = new float[n * D];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(D);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = r.nextInt(O);
            }
            batch = inputKind == InputKind.TOKENS ? Batch.tokensTimeMajor(B, T, ids, y)
                    : Batch.denseWithTokenTargets(B, T, x, D, y);
        } else {
            boolean last = loss == Loss.MSE_LAST_STEP;
            float[] y = new float[(last ? B : n) * O];
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) r.nextGaussian();
            }
            if (last) {
                batch = inputKind == InputKind.DENSE ? Batch.denseLastStep(B, T, x, D, y, O)
                        : Batch.tokensLastStep(B, T, ids, y, O);
            } else {
                batch = inputKind == InputKind.TOKENS ? Batch.tokensWithDenseTargets(B, T, ids, y, O)
                        : Batch.denseTimeMajor(B, T, x, D, y, O);
            }
        }
        if (variable == 1) {
            float[] mask = new float[n];
            for (int i = 0; i < n; i++) {
                mask[i] = switch (r.nextInt(4)) {
                    case 0 -> 0f;
                    case 1 -> 0.5f;
                    default -> 1f;
                };
            }
            mask[(T - 1) * B] = 1f; // keep some loss in every case
            batch = batch.withLengths(new int[] {T, T - 2, 2}).withLossMask(mask);
        }
        return batch;
    }

    /** A random initial state, or null. */
    public double[][] h0() {
        if (!initialState) {
            return null;
        }
        SplittableRandom r = new SplittableRandom(seed * 5 + 1);
        double[][] h0 = new double[B][H];
        for (double[] row : h0) {
            for (int i = 0; i < H; i++) {
                row[i] = (float) r.nextDouble(-0.8, 0.8);
            }
        }
        return h0;
    }

    /** {@link #h0()} flattened to floats ({@code B·H}), or null. */
    public float[] h0Flat() {
        double[][] h0 = h0();
        if (h0 == null) {
            return null;
        }
        float[] out = new float[B * H];
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < H; i++) {
                out[b * H + i] = (float) h0[b][i];
            }
        }
        return out;
    }

    public ReferenceRnn reference() {
        return new ReferenceRnn(config(), loss, reduction, parameters());
    }

    @Override
    public String toString() {
        return activation.id() + (biases ? "+bias" : "") + " " + inputKind.name().toLowerCase() + " "
                + loss.name().toLowerCase() + " " + reduction.name().toLowerCase()
                + (variable == 1 ? " lengths+mask" : "") + (initialState ? " h0" : "");
    }
}

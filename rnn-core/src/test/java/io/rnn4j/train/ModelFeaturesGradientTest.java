package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.BackendContractTest;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.backend.Activation;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.reference.ModelReference;
import io.rnn4j.reference.ReferenceRnn;
import io.rnn4j.reference.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The features of 0.2 against the float64 {@link ModelReference} and its central differences:
 * bidirectional and stacked layers, standard and variational dropout (the masks recomputed from
 * their specification, {@link BackendContractTest#referenceMask}), sequence classification, and
 * the gradients with respect to the initial states and the inputs. Every parameter's gradient, the
 * loss and the extra gradients must agree to a relative error below 2e-5 (central differences with
 * ε = 1e-5 in float64 are accurate to about 1e-9 here; the rest is float32 rounding, bounded as in
 * {@link CpuMatchesReferenceTest} but over up to two layers and two directions).
 */
class ModelFeaturesGradientTest {
    private static final double TOLERANCE = 2e-5;
    private static final int B = 3;
    private static final int T = 5;
    private static final int H = 4;
    private static final int D = 5;
    private static final int O = 3;
    /** Worst relative errors seen: loss, parameters, ∂E/∂h0 and ∂E/∂c0, ∂E/∂x (printed at the end). */
    private static final double[] WORST = new double[4];

    record Case(CellType cell, int layers, boolean bidirectional, InputKind input, Loss loss, Dropout dropout,
                boolean initialState, boolean lengths) {
        @Override
        public String toString() {
            return cell + " L" + layers + (bidirectional ? " bi" : "") + " " + input + " " + loss + " dropout "
                    + dropout + (initialState ? " h0" : "") + (lengths ? " lengths" : "");
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (CellType c : CellType.values()) {
            out.add(new Case(c, 1, true, InputKind.TOKENS, Loss.SOFTMAX_CROSS_ENTROPY, Dropout.none(), true, true));
            out.add(new Case(c, 2, true, InputKind.DENSE, Loss.MSE_EVERY_STEP, Dropout.none(), true, true));
            out.add(new Case(c, 2, false, InputKind.DENSE, Loss.SOFTMAX_CROSS_ENTROPY, Dropout.standard(0.3), true, true));
            out.add(new Case(c, 2, true, InputKind.DENSE, Loss.CROSS_ENTROPY_LAST_STEP, Dropout.variational(0.25), true,
                    true));
            out.add(new Case(c, 1, false, InputKind.TOKENS, Loss.CROSS_ENTROPY_LAST_STEP, Dropout.none(), false, true));
            out.add(new Case(c, 1, true, InputKind.DENSE, Loss.MSE_LAST_STEP, Dropout.standard(0.4), false, false));
        }
        return out;
    }

    private static RnnConfig config(Case k) {
        RnnConfig.Builder b = k.input == InputKind.TOKENS ? RnnConfig.tokens(D, H).outputSize(O)
                : RnnConfig.dense(D, H, O);
        return b.cell(k.cell).layers(k.layers).bidirectional(k.bidirectional).activation(Activation.TANH).build();
    }

    private static Batch batch(Case k, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = B * T;
        int[] ids = new int[n];
        float[] x = new float[n * D];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(D);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        boolean dense = k.input == InputKind.DENSE;
        Batch batch = switch (k.loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                int[] y = r.ints(n, 0, O).toArray();
                yield dense ? Batch.denseWithTokenTargets(B, T, x, D, y) : Batch.tokensTimeMajor(B, T, ids, y);
            }
            case MSE_EVERY_STEP -> dense ? Batch.denseTimeMajor(B, T, x, D, gaussians(r, n * O), O)
                    : Batch.tokensWithDenseTargets(B, T, ids, gaussians(r, n * O), O);
            case MSE_LAST_STEP -> dense ? Batch.denseLastStep(B, T, x, D, gaussians(r, B * O), O)
                    : Batch.tokensLastStep(B, T, ids, gaussians(r, B * O), O);
            case CROSS_ENTROPY_LAST_STEP -> {
                int[] y = r.ints(B, 0, O).toArray();
                yield dense ? Batch.denseClassification(B, T, x, D, y) : Batch.tokensClassification(B, T, ids, y);
            }
        };
        return k.lengths ? batch.withLengths(new int[] {T, 2, T - 1}) : batch;
    }

    private static float[] gaussians(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** The trainer's masks for its first update, from the generator's specification. */
    private static ModelReference.Masks masks(Dropout d) {
        if (!d.active()) {
            return ModelReference.Masks.NONE;
        }
        boolean variational = d.kind() == Dropout.Kind.VARIATIONAL;
        int rows = variational ? B : T * B;
        float[][][] out = new float[2][2][];
        for (int l = 0; l < 2; l++) {
            for (int dir = 0; dir < 2; dir++) {
                out[l][dir] = BackendContractTest.referenceMask(rows * H, d.p(), d.seed(), stream(l, dir));
            }
        }
        float[] input = BackendContractTest.referenceMask(B * D, d.p(), d.seed(), stream(0, 2));
        return (layer, part, t, b, j) -> {
            if (layer < 0) {
                return variational ? input[b * D + j] : 1;
            }
            int row = variational ? b : t * B + b;
            return out[layer][part][row * H + j];
        };
    }

    /** Update 1 (the first), layer, place: the trainer's stream numbering. */
    private static long stream(int layer, int place) {
        return 4096L + layer * 4L + place;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void lossAndEveryGradientMatchTheReference(Case k) {
        RnnConfig cfg = config(k);
        Map<String, float[]> values = Scenario.uniformParameters(cfg, 11, 0.6);
        Batch batch = batch(k, 5);
        int slots = cfg.layers() * cfg.directions();
        float[] h0 = new float[slots * B * H];
        float[] c0 = new float[slots * B * H];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < h0.length; i++) {
            h0[i] = k.initialState ? (float) r.nextDouble(-0.8, 0.8) : 0f;
            c0[i] = k.initialState ? (float) r.nextDouble(-0.8, 0.8) : 0f;
        }
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(k.loss).reduction(Reduction.MEAN)
                     .optimizer(OptimizerConfig.sgd(0.1)).clipping(Clipping.none()).dropout(k.dropout).build())) {
            values.forEach(model::setParameter);
            trainer.setHiddenState(B, h0);
            if (k.cell == CellType.LSTM) {
                trainer.setCellState(B, c0);
            }
            StepResult res = trainer.computeGradients(batch);

            ModelReference ref = new ModelReference(cfg, k.loss, Reduction.MEAN, values, masks(k.dropout));
            ref.zeroStates(B);
            fill(ref.h0, h0);
            if (ref.c0 != null) {
                fill(ref.c0, c0);
            }
            if (k.input == InputKind.DENSE) {
                ref.x = ReferenceRnn.toDouble(batch.inputs());
            }
            double refLoss = ref.loss(batch);
            assertEquals(refLoss, res.loss(), TOLERANCE * Math.abs(refLoss), k + ": loss");
            worst(0, Math.abs(res.loss() - refLoss) / Math.abs(refLoss));

            Map<String, double[]> g = ref.gradients(batch, 1e-5);
            for (var e : g.entrySet()) {
                double err = ReferenceRnn.relativeError(ReferenceRnn.toDouble(trainer.gradient(e.getKey())), e.getValue());
                assertTrue(err < TOLERANCE, () -> k + " " + e.getKey() + ": relative error " + err);
                worst(1, err);
            }
            check(k + " ∂E/∂h0", 2, trainer.initialStateGradient(), ref.initialStateGradient(batch, 0, 1e-5));
            if (k.cell == CellType.LSTM) {
                check(k + " ∂E/∂c0", 2, trainer.initialCellGradient(), ref.initialStateGradient(batch, 1, 1e-5));
            }
            if (k.input == InputKind.DENSE) {
                check(k + " ∂E/∂x", 3, trainer.inputGradient(), ref.inputGradient(batch, 1e-5));
            }
        }
    }

    private static void check(String what, int kind, float[] mine, double[] ref) {
        assertEquals(ref.length, mine.length, what + ": size");
        double err = ReferenceRnn.relativeError(ReferenceRnn.toDouble(mine), ref);
        assertTrue(err < TOLERANCE, () -> what + ": relative error " + err);
        worst(kind, err);
    }

    private static synchronized void worst(int kind, double err) {
        WORST[kind] = Math.max(WORST[kind], err);
    }

    @org.junit.jupiter.api.AfterAll
    static void printWorst() {
        System.out.printf("bidirectional/dropout/classification vs float64 central differences, worst relative error:"
                + " loss %.1e, parameters %.1e, dE/dh0 and dE/dc0 %.1e, dE/dx %.1e%n", WORST[0], WORST[1], WORST[2],
                WORST[3]);
    }

    private static void fill(double[][][] s, float[] flat) {
        int i = 0;
        for (double[][] slot : s) {
            for (double[] row : slot) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = flat[i++];
                }
            }
        }
    }

    @Test
    void dropoutIsOffInEvaluationAndMasksChangeWithEveryUpdate() {
        Case k = new Case(CellType.GRU, 2, false, InputKind.DENSE, Loss.MSE_EVERY_STEP, Dropout.standard(0.5), false, false);
        RnnConfig cfg = config(k);
        Batch batch = batch(k, 9);
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             RnnModel plain = new RnnModel(new CpuBackend(), cfg);
             Trainer dropping = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_EVERY_STEP)
                     .optimizer(OptimizerConfig.sgd(1e-30)).dropout(k.dropout).build());
             Trainer reference = new Trainer(plain, TrainerConfig.builder().loss(Loss.MSE_EVERY_STEP)
                     .optimizer(OptimizerConfig.sgd(1e-30)).build())) {
            assertEquals(reference.evaluate(batch), dropping.evaluate(batch), 0.0, "evaluation never drops");
            double first = dropping.step(batch).loss();
            double second = dropping.step(batch).loss();
            assertNotEquals(first, second, "a new mask every update (a learning rate of 1e-30 leaves the float parameters as they are)");
            assertNotEquals(reference.step(batch).loss(), first, "training drops");
        }
    }

    @Test
    void bidirectionalRefusesCarriedStateAndSampling() {
        RnnConfig cfg = RnnConfig.tokens(5, 4).bidirectional(true).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(model, TrainerConfig.builder().carryState(true).build()));
            assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
            IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                    () -> new io.rnn4j.nn.Generator(model));
            assertTrue(g.getMessage().contains("bidirectional"), g.getMessage());
        }
    }
}

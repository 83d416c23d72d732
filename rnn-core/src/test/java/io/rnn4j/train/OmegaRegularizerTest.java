package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.LayerBuffers;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.reference.ReferenceRnn;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Pascanu et al.'s Ω: its value and its gradient ∂⁺Ω/∂U (δ and s_k held constant, the paper's
 * approximation) against float64 central differences of Ω written from its definition, for every
 * Elman activation, stacked, with variable lengths; the other gradients untouched; Ω = 0 where the
 * backward step preserves norms.
 */
class OmegaRegularizerTest {
    private static final int B = 3;
    private static final int T = 6;
    private static final int[] LENGTHS = {T, 4, T - 1};

    private static Batch batch() {
        SplittableRandom r = new SplittableRandom(4);
        return Batch.tokensTimeMajor(B, T, r.ints(B * T, 0, 6).toArray(), r.ints(B * T, 0, 6).toArray())
                .withLengths(LENGTHS);
    }

    /** Ω of layer l from its definition, in float64, with δ and s fixed and U variable. */
    private static double omega(double[] u, float[] delta, float[] pre, float[] hid, Activation f, float[] slope, int h) {
        double total = 0;
        for (int t = 1; t < T; t++) {
            for (int b = 0; b < B; b++) {
                int row = t * B + b;
                double nd = 0;
                double nv = 0;
                for (int j = 0; j < h; j++) {
                    double dj = delta[row * h + j];
                    nd += dj * dj;
                    double acc = 0;
                    for (int i = 0; i < h; i++) {
                        acc += delta[row * h + i] * u[i * h + j];
                    }
                    int prev = (t - 1) * B + b; // s_k is the pre-activation block t − 1, h_k the hidden block t
                    double s = pre[prev * h + j];
                    double hk = hid[(t * B + b) * h + j];
                    double d = switch (f) {
                        case TANH -> 1 - hk * hk;
                        case LOGISTIC -> hk * (1 - hk);
                        case RELU -> s > 0 ? 1 : 0;
                        case PRELU -> s > 0 ? 1 : slope[j];
                        case IDENTITY -> 1;
                    };
                    nv += acc * d * acc * d;
                }
                if (nd > 0) {
                    double rho = Math.sqrt(nv) / Math.sqrt(nd);
                    total += (rho - 1) * (rho - 1);
                }
            }
        }
        return total;
    }

    private static float[] down(CpuBackend be, io.rnn4j.backend.Tensor t) {
        float[] out = new float[(int) t.size()];
        be.download(t, out, 0);
        return out;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void gradientMatchesCentralDifferencesOfOmega(Activation f) {
        RnnConfig c = RnnConfig.tokens(6, 5).activation(f).layers(2).recurrentInit(Init.orthogonal(0.9)).seed(7).build();
        double lambda = 0.7;
        long pairs = 0;
        for (int len : LENGTHS) {
            pairs += len - 1;
        }
        try (CpuBackend be = new CpuBackend(); RnnModel model = new RnnModel(be, c);
             Trainer plain = new Trainer(model, TrainerConfig.builder().clipping(Clipping.none()).build());
             Trainer reg = new Trainer(model, TrainerConfig.builder().clipping(Clipping.none())
                     .regularizer(Regularizer.omega(lambda)).build())) {
            StepResult without = plain.computeGradients(batch());
            StepResult with = reg.computeGradients(batch());
            assertEquals(0.0, without.regularizer());
            assertEquals(without.loss(), with.loss(), 0.0, "the loss is the loss alone");
            double omegaTotal = 0;
            for (int l = 0; l < c.layers(); l++) {
                String name = ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l);
                LayerBuffers buf = reg.workspace().layers[l].dirs[0];
                float[] delta = down(be, buf.grad);
                float[] pre = down(be, buf.pre);
                float[] hid = down(be, buf.hidden);
                float[] slope = f == Activation.PRELU ? model.parameter(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l))
                        : null;
                double[] u = ReferenceRnn.toDouble(model.parameter(name));
                omegaTotal += omega(u, delta, pre, hid, f, slope, 5) / pairs;
                double[] fd = new double[u.length];
                for (int i = 0; i < u.length; i++) {
                    double old = u[i];
                    u[i] = old + 1e-6;
                    double up = omega(u, delta, pre, hid, f, slope, 5);
                    u[i] = old - 1e-6;
                    double dn = omega(u, delta, pre, hid, f, slope, 5);
                    u[i] = old;
                    fd[i] = lambda * (up - dn) / 2e-6 / pairs;
                }
                float[] gw = reg.gradient(name);
                float[] g0 = plain.gradient(name);
                double[] added = new double[gw.length];
                for (int i = 0; i < gw.length; i++) {
                    added[i] = gw[i] - (double) g0[i];
                }
                double err = ReferenceRnn.relativeError(added, fd);
                System.out.printf("Ω gradient, %s layer %d: relative error %.2e%n", f, l, err);
                assertTrue(err < 1e-5, f + " layer " + l + ": λ∂⁺Ω/∂U relative error " + err);
                for (String other : new String[] {ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l),
                    ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l)}) {
                    assertArrayEquals(plain.gradient(other), reg.gradient(other), other + " is the loss's gradient");
                }
            }
            assertEquals(omegaTotal, with.regularizer(), 1e-5 * Math.max(1, omegaTotal), f + ": Ω");
            assertTrue(with.regularizer() > 0, f + ": Ω of a random batch is positive");
        }
    }

    @Test
    void aNormPreservingStepHasNoPenalty() {
        // Identity activation and an orthogonal U: ‖δ U‖ = ‖δ‖ at every step, so Ω = 0 and so is its gradient.
        RnnConfig c = RnnConfig.tokens(6, 5).activation(Activation.IDENTITY).recurrentInit(Init.orthogonal(1.0))
                .seed(3).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), c);
             Trainer plain = new Trainer(model, TrainerConfig.builder().clipping(Clipping.none()).build());
             Trainer reg = new Trainer(model, TrainerConfig.builder().clipping(Clipping.none())
                     .regularizer(Regularizer.omega(5)).build())) {
            plain.computeGradients(batch());
            StepResult r = reg.computeGradients(batch());
            assertEquals(0.0, r.regularizer(), 1e-10);
            float[] a = plain.gradient(ParameterLayout.RECURRENT_WEIGHTS);
            float[] b = reg.gradient(ParameterLayout.RECURRENT_WEIGHTS);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5, "entry " + i);
            }
        }
    }

    @Test
    void onlyForUnidirectionalElmanLayersAndSavedInCheckpoints() {
        for (RnnConfig c : new RnnConfig[] {RnnConfig.tokens(6, 5).cell(CellType.LSTM).build(),
            RnnConfig.tokens(6, 5).bidirectional(true).build()}) {
            try (RnnModel model = new RnnModel(new CpuBackend(), c)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(model,
                        TrainerConfig.builder().regularizer(Regularizer.omega(1)).build()));
                assertTrue(e.getMessage().contains("unidirectional Elman"), e.getMessage());
            }
        }
        assertEquals(Regularizer.omega(0.25), Regularizer.parse(Regularizer.omega(0.25).toString()));
        assertThrows(IllegalArgumentException.class, () -> Regularizer.parse("omega:-1"));
        assertThrows(IllegalArgumentException.class, () -> Regularizer.parse("l2:1"));
        TrainerConfig tc = TrainerConfig.builder().regularizer(Regularizer.omega(2)).build();
        assertEquals(tc, io.rnn4j.io.internal.ConfigCodec.trainerConfig(io.rnn4j.io.internal.ConfigCodec.toMap(tc)));
    }
}

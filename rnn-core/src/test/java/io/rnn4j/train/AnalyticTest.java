package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Closed-form checks through the production path.
 *
 * <p>A linear RNN ({@code f = identity}) with {@code U = αI} has {@code ∂h_T/∂h_t = α^(T−t) I}.
 * With a loss at the last step only, {@code δ_t = ∂E/∂h_t = α^(T−t) ∂E/∂h_T}; feeding token
 * {@code t} at step {@code t} makes row {@code t} of the input-weight gradient equal to
 * {@code δ_t}, so the ratio of its norm to the last row's is {@code ‖∂h_T/∂h_t‖ = α^(T−t)}.
 */
class AnalyticTest {

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 0.9, 1.0, 1.1})
    void linearRnnJacobianNormIsAlphaToTheLag(double alpha) {
        int steps = 16;
        int h = 6;
        RnnConfig cfg = RnnConfig.tokens(steps, h).outputSize(h).activation(Activation.IDENTITY).biases(false)
                .recurrentInit(Init.identity(alpha)).inputInit(Init.normal(0.3)).outputInit(Init.identity(1.0))
                .seed(3).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_LAST_STEP)
                     .reduction(Reduction.SUM).build())) {
            int[] ids = new int[steps];
            for (int t = 0; t < steps; t++) {
                ids[t] = t;
            }
            float[] y = new float[h];
            SplittableRandom r = new SplittableRandom(5);
            for (int i = 0; i < h; i++) {
                y[i] = (float) r.nextGaussian();
            }
            trainer.computeGradients(Batch.tokensLastStep(1, steps, ids, y, h));
            float[] dw = trainer.gradient(ParameterLayout.INPUT_WEIGHTS);
            double last = rowNorm(dw, steps - 1, h);
            for (int t = 0; t < steps; t++) {
                double ratio = rowNorm(dw, t, h) / last;
                double want = Math.pow(alpha, steps - 1 - t);
                assertEquals(want, ratio, 1e-5 * want, "‖∂h_T/∂h_t‖ at lag " + (steps - 1 - t));
                // Direction: δ_t is parallel to δ_T.
                for (int i = 0; i < h; i++) {
                    assertEquals(want * dw[(steps - 1) * h + i], dw[t * h + i], 1e-5 * last * want + 1e-7);
                }
            }
        }
    }

    private static double rowNorm(float[] m, int row, int cols) {
        double s = 0;
        for (int i = 0; i < cols; i++) {
            s += (double) m[row * cols + i] * m[row * cols + i];
        }
        return Math.sqrt(s);
    }
}

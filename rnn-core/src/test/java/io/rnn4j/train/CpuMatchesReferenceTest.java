package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.reference.ReferenceRnn;
import io.rnn4j.reference.Scenario;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The production path (CPU backend, float32) against the float64 reference, for every scenario:
 * loss and every parameter's gradient.
 *
 * <p>Tolerance: relative error (‖a − b‖ / max(‖a‖, ‖b‖)) below 2e-5. Why: float32 rounds each
 * operation to u = 2^−24 ≈ 6e-8; a gradient entry here is a sum of at most T·B·(H + O) = 105
 * products, carried back through at most T = 5 recurrent steps with ‖U‖ ≈ 1–2, so the classic
 * bound n·u is about 1e-5 in the worst case, and typical errors are near √n·u ≈ 1e-6 (the
 * measured worst is printed). Float64 inputs and parameters are the same floats exactly.
 */
class CpuMatchesReferenceTest {
    static final double TOLERANCE = 2e-5;
    private static double worstLoss;
    private static double worstGrad;

    static List<Scenario> scenarios() {
        return Scenario.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void lossAndGradientsMatchTheReference(Scenario sc) {
        check(sc, new CpuBackend(CpuBackendConfig.defaults()));
    }

    @ParameterizedTest(name = "java gemm: {0}")
    @MethodSource("scenarios")
    void javaGemmFallbackMatchesTheReference(Scenario sc) {
        check(sc, new CpuBackend(CpuBackendConfig.defaults().withNativeBlas(false)));
    }

    private static void check(Scenario sc, CpuBackend backend) {
        var batch = sc.batch();
        try (backend; RnnModel model = new RnnModel(backend, sc.config());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(sc.loss()).reduction(sc.reduction())
                     .optimizer(OptimizerConfig.sgd(0.1)).clipping(Clipping.none()).build())) {
            sc.load(model);
            if (sc.initialState()) {
                trainer.setHiddenState(Scenario.B, sc.h0Flat());
            }
            StepResult r = trainer.computeGradients(batch);
            ReferenceRnn ref = sc.reference();
            double refLoss = ref.loss(batch, sc.h0());
            double le = Math.abs(r.loss() - refLoss) / Math.max(1e-12, Math.abs(refLoss));
            assertTrue(le < TOLERANCE, () -> sc + ": loss " + r.loss() + " vs reference " + refLoss);
            assertEquals(sc.reduction(), r.reduction());
            Map<String, double[]> g = ref.gradientsSweep(batch, sc.h0());
            double norm = 0;
            for (var e : g.entrySet()) {
                double[] mine = ReferenceRnn.toDouble(trainer.gradient(e.getKey()));
                double err = ReferenceRnn.relativeError(mine, e.getValue());
                for (double v : e.getValue()) {
                    norm += v * v;
                }
                synchronized (CpuMatchesReferenceTest.class) {
                    worstGrad = Math.max(worstGrad, err);
                }
                assertTrue(err < TOLERANCE, () -> sc + " " + e.getKey() + ": relative error " + err);
            }
            assertEquals(Math.sqrt(norm), r.gradNorm(), 1e-5 * Math.sqrt(norm) + 1e-7, sc + ": gradient norm");
            synchronized (CpuMatchesReferenceTest.class) {
                worstLoss = Math.max(worstLoss, le);
            }
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("CPU float32 vs float64 reference: worst relative error loss %.2e, gradients %.2e%n",
                worstLoss, worstGrad);
    }
}

package io.rnn4j.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The float64 reference against central finite differences, for every scenario (each activation
 * with the PReLU slope, biases on/off, token and dense inputs, every head, lengths and masks, a
 * carried initial state): relative error below 1e-6. And the literal double sum over δ_{t,k}
 * against the backward sweep: equal to rounding (below 1e-12).
 */
class ReferenceGradientCheckTest {
    private static double worstFd;
    private static double worstSweep;

    static List<Scenario> scenarios() {
        return Scenario.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void finiteDifferencesAgreeWithTheDoubleSum(Scenario sc) {
        ReferenceRnn ref = sc.reference();
        var batch = sc.batch();
        double[][] h0 = sc.h0();
        Map<String, double[]> analytic = ref.gradientsDoubleSum(batch, h0);
        Map<String, double[]> sweep = ref.gradientsSweep(batch, h0);
        Map<String, double[]> fd = ref.gradientsFiniteDifference(batch, h0, 1e-6);
        for (String name : analytic.keySet()) {
            double e = ReferenceRnn.relativeError(fd.get(name), analytic.get(name));
            double s = ReferenceRnn.relativeError(sweep.get(name), analytic.get(name));
            synchronized (ReferenceGradientCheckTest.class) {
                worstFd = Math.max(worstFd, e);
                worstSweep = Math.max(worstSweep, s);
            }
            assertTrue(e < 1e-6, () -> sc + " " + name + ": finite differences vs double sum, relative error " + e);
            assertTrue(s < 1e-12, () -> sc + " " + name + ": sweep vs double sum, relative error " + s);
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("reference gradient check: worst relative error FD vs double sum %.2e, sweep vs double sum %.2e%n",
                worstFd, worstSweep);
    }
}

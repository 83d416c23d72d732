package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.reference.ReferenceRnn;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A training step at shapes large enough for the Vector API paths (the packed general GEMM takes
 * products from 64 × 64 per thread, the recurrences their packed and column-split forms) against
 * the same step on the pure-Java GEMM: loss and every gradient. Runs in the build's second test run,
 * with the Vector API module; the paths themselves are checked against float64 in
 * {@code VectorGemmTest} and the backend contract suite.
 */
class VectorPathTrainingTest {

    @ParameterizedTest
    @CsvSource({"ELMAN,65,160,70,6", "ELMAN,65,520,8,5", "LSTM,40,96,130,4", "GRU,40,80,140,4"})
    void stepMatchesTheJavaGemmStep(CellType cell, int vocab, int hidden, int batch, int steps) {
        assumeTrue(Boolean.getBoolean("rnn4j.test.vector"), "Vector API module not on this test run");
        RnnConfig config = RnnConfig.tokens(vocab, hidden).cell(cell).seed(5).build();
        SplittableRandom r = new SplittableRandom(9);
        int[] in = new int[batch * steps];
        int[] out = new int[batch * steps];
        for (int i = 0; i < in.length; i++) {
            in[i] = r.nextInt(vocab);
            out[i] = r.nextInt(vocab);
        }
        Batch data = Batch.tokensTimeMajor(batch, steps, in, out);
        CpuBackend vectorBackend = new CpuBackend(CpuBackendConfig.defaults());
        assertTrue(vectorBackend.description().contains("Vector API"), vectorBackend.description());
        Map<String, double[]> fast = gradients(vectorBackend, config, data);
        Map<String, double[]> plain = gradients(new CpuBackend(CpuBackendConfig.defaults().withNativeBlas(false)),
                config, data);
        for (var e : plain.entrySet()) {
            double err = ReferenceRnn.relativeError(fast.get(e.getKey()), e.getValue());
            assertTrue(err < 1e-5, () -> cell + " " + e.getKey() + ": relative error " + err);
        }
    }

    private static Map<String, double[]> gradients(CpuBackend backend, RnnConfig config, Batch data) {
        try (backend; RnnModel model = new RnnModel(backend, config);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.1))
                     .clipping(Clipping.none()).build())) {
            StepResult s = trainer.computeGradients(data);
            Map<String, double[]> g = new LinkedHashMap<>();
            g.put("loss", new double[] {s.loss()});
            for (ParameterLayout.Entry e : ParameterLayout.of(config).entries()) {
                g.put(e.name(), ReferenceRnn.toDouble(trainer.gradient(e.name())));
            }
            return g;
        }
    }
}

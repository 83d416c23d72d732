package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.WholeSweepBackend;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.diagnostics.GradientFlow;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The LSTM and GRU cells hand their buffers to the whole-sweep SPI methods correctly: training
 * through a backend that runs the sweeps whole (from their documented meaning, {@link WholeSweepBackend})
 * gives the same bits as the cells' own steps — losses, norms, per-step gradient norms, the
 * gradients of the initial state, parameters — for stacked, bidirectional, carried-state models.
 */
class WholeSweepTrainingTest {

    private static Batch batch(int i) {
        int b = 3;
        int steps = 5;
        int[] in = new int[b * steps];
        int[] out = new int[b * steps];
        for (int k = 0; k < in.length; k++) {
            in[k] = (k * 5 + i * 3) % 9;
            out[k] = (k * 7 + i) % 9;
        }
        return Batch.tokensTimeMajor(b, steps, in, out).withLengths(new int[] {5, 4, 2});
    }

    private record Run(double[] losses, double[] norms, double[] flow, float[] params, float[] dh0) {
    }

    private static Run train(Backend be, CellType cell) {
        RnnConfig mc = RnnConfig.tokens(9, 6).cell(cell).layers(2).bidirectional(true).seed(4).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.02)).diagnostics(true)
                .carryState(false).build();
        try (RnnModel m = new RnnModel(be, mc); Trainer t = new Trainer(m, tc)) {
            double[] losses = new double[6];
            double[] norms = new double[6];
            for (int i = 0; i < losses.length; i++) {
                StepResult r = t.step(batch(i));
                losses[i] = r.loss();
                norms[i] = r.gradNorm();
            }
            GradientFlow flow = t.lastGradientFlow();
            t.computeGradients(batch(7));
            return new Run(losses, norms, concat(flow.dh(), flow.delta()), m.parameters().downloadAll(),
                    t.initialStateGradient());
        }
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void wholeSweepsTrainAsTheCellsSteps(CellType cell) {
        Run steps = train(new CpuBackend(), cell);
        Run whole = train(new WholeSweepBackend(new CpuBackend()), cell);
        assertArrayEquals(steps.losses(), whole.losses(), 0.0, "losses");
        assertArrayEquals(steps.norms(), whole.norms(), 0.0, "gradient norms");
        assertArrayEquals(steps.flow(), whole.flow(), 0.0, "per-step gradient norms");
        assertArrayEquals(steps.params(), whole.params(), "parameters");
        assertArrayEquals(steps.dh0(), whole.dh0(), "∂E/∂h_0");
    }
}

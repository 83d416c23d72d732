package io.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Generator;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.reference.ModelReference;
import io.rnn4j.train.Loss;
import io.rnn4j.train.Reduction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exported models in ONNX Runtime against rnn4j: for every cell (the Elman cell with each activation),
 * 1 and 2 layers, one and two directions, token and dense inputs, with and without initial states,
 * ORT's logits and final states equal the float64 reference forward pass (the one rnn4j's gradients
 * are checked against) to 1e-5 relative; fed one step at a time through hn → h0 they equal the whole
 * sequence; token by token they equal {@link Generator}'s logits.
 */
class OnnxExportTest {
    private static final int V = 7;
    private static final int D = 4;
    private static final int H = 5;
    private static final int O = 6;
    private static final int T = 4;
    private static final int B = 3;
    private static final double TOLERANCE = 1e-5;

    record Kind(CellType cell, Activation f) {
        @Override
        public String toString() {
            return cell == CellType.ELMAN ? "ELMAN-" + f : cell.name();
        }
    }

    static List<Kind> kinds() {
        List<Kind> k = new ArrayList<>();
        for (Activation f : Activation.values()) {
            k.add(new Kind(CellType.ELMAN, f));
        }
        k.add(new Kind(CellType.LSTM, Activation.TANH));
        k.add(new Kind(CellType.GRU, Activation.TANH));
        return k;
    }

    static Stream<Arguments> cases() {
        List<Arguments> a = new ArrayList<>();
        for (Kind k : kinds()) {
            for (int layers : new int[] {1, 2}) {
                for (boolean bi : new boolean[] {false, true}) {
                    for (boolean tokens : new boolean[] {true, false}) {
                        for (boolean state : new boolean[] {true, false}) {
                            a.add(Arguments.of(k, layers, bi, tokens, state));
                        }
                    }
                }
            }
        }
        return a.stream();
    }

    static RnnConfig config(Kind k, int layers, boolean bi, boolean tokens) {
        RnnConfig.Builder b = tokens ? RnnConfig.tokens(V, H).outputSize(O) : RnnConfig.dense(D, H, O);
        return b.cell(k.cell()).activation(k.f()).layers(layers).bidirectional(bi).seed(3).build();
    }

    /** Every parameter random (biases and PReLU slopes included, distinct per unit), so that nothing hides. */
    static void randomize(RnnModel m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (ParameterLayout.Entry e : m.layout().entries()) {
            float[] v = new float[(int) e.size()];
            boolean slope = e.name().startsWith(ParameterLayout.PRELU_SLOPE);
            for (int i = 0; i < v.length; i++) {
                v[i] = slope ? (float) (0.05 + 0.45 * r.nextDouble()) : (float) (1.6 * r.nextDouble() - 0.8);
            }
            m.setParameter(e.name(), v);
        }
    }

    static Map<String, float[]> values(RnnModel m) {
        Map<String, float[]> v = new LinkedHashMap<>();
        for (ParameterLayout.Entry e : m.layout().entries()) {
            v.put(e.name(), m.parameter(e.name()));
        }
        return v;
    }

    static double relativeError(float[][][] got, double[][][] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[i].length; j++) {
                for (int k = 0; k < want[i][j].length; k++) {
                    double d = got[i][j][k] - want[i][j][k];
                    num += d * d;
                    den += want[i][j][k] * want[i][j][k];
                }
            }
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    /** Random inputs and states for one case, in both ORT's and the reference's form. */
    static final class Data {
        final long[][] tokens = new long[T][B];
        final int[] ids = new int[T * B];
        final float[][][] dense = new float[T][B][D];
        final float[] denseFlat = new float[T * B * D];
        float[][][] h0;
        float[][][] c0;

        Data(int slots, boolean lstm, SplittableRandom r) {
            for (int t = 0; t < T; t++) {
                for (int b = 0; b < B; b++) {
                    ids[t * B + b] = r.nextInt(V);
                    tokens[t][b] = ids[t * B + b];
                    for (int q = 0; q < D; q++) {
                        dense[t][b][q] = (float) (2 * r.nextDouble() - 1);
                        denseFlat[(t * B + b) * D + q] = dense[t][b][q];
                    }
                }
            }
            h0 = states(slots, r);
            c0 = lstm ? states(slots, r) : null;
        }

        static float[][][] states(int slots, SplittableRandom r) {
            float[][][] s = new float[slots][B][H];
            for (float[][] a : s) {
                for (float[] row : a) {
                    for (int j = 0; j < H; j++) {
                        row[j] = (float) (r.nextDouble() - 0.5);
                    }
                }
            }
            return s;
        }

        static double[][][] toDouble(float[][][] s) {
            if (s == null) {
                return null;
            }
            double[][][] d = new double[s.length][][];
            for (int i = 0; i < s.length; i++) {
                d[i] = new double[s[i].length][];
                for (int j = 0; j < s[i].length; j++) {
                    d[i][j] = new double[s[i][j].length];
                    for (int k = 0; k < s[i][j].length; k++) {
                        d[i][j][k] = s[i][j][k];
                    }
                }
            }
            return d;
        }
    }

    static ModelReference.Outputs reference(RnnModel m, Data d, boolean tokens, boolean state) {
        RnnConfig c = m.config();
        ModelReference ref = new ModelReference(c, Loss.MSE_EVERY_STEP, Reduction.SUM, values(m),
                ModelReference.Masks.NONE);
        Batch batch;
        if (tokens) {
            batch = Batch.tokensTimeMajor(B, T, d.ids, new int[T * B]);
        } else {
            batch = Batch.denseTimeMajor(B, T, d.denseFlat, D, new float[T * B * O], O);
            ref.x = new double[d.denseFlat.length];
            for (int i = 0; i < ref.x.length; i++) {
                ref.x[i] = d.denseFlat[i];
            }
        }
        if (state) {
            ref.h0 = Data.toDouble(d.h0);
            ref.c0 = Data.toDouble(d.c0);
        }
        return ref.outputs(batch);
    }

    @ParameterizedTest(name = "{0} layers={1} bidirectional={2} tokens={3} state={4}")
    @MethodSource("cases")
    void ortGivesTheReferenceLogitsAndFinalStates(Kind k, int layers, boolean bi, boolean tokens, boolean state)
            throws Exception {
        RnnConfig c = config(k, layers, bi, tokens);
        try (RnnModel m = new RnnModel(new CpuBackend(), c)) {
            randomize(m, 11 + layers);
            Data d = new Data(layers * c.directions(), k.cell() == CellType.LSTM, new SplittableRandom(5));
            ModelReference.Outputs want = reference(m, d, tokens, state);
            try (OrtRunner ort = new OrtRunner(OnnxExport.toBytes(m, OnnxExport.Options.defaults()
                    .withStateInputs(state)))) {
                assertEquals(state, ort.inputNames().contains("h0"), "the state inputs: " + ort.inputNames());
                OrtRunner.Out got = ort.run(d.tokens, tokens ? null : d.dense, state ? d.h0 : null,
                        state ? d.c0 : null);
                double el = relativeError(got.logits(), want.logits());
                double eh = relativeError(got.hn(), want.hn());
                assertTrue(el <= TOLERANCE, c.cell() + ": logits differ by " + el);
                assertTrue(eh <= TOLERANCE, c.cell() + ": hn differs by " + eh);
                if (k.cell() == CellType.LSTM) {
                    double ec = relativeError(got.cn(), want.cn());
                    assertTrue(ec <= TOLERANCE, "cn differs by " + ec);
                }
            }
        }
    }

    /** One step at a time, hn (and cn) fed back as h0 (and c0), gives the whole sequence's logits. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void streamingThroughTheStatesEqualsTheWholeSequence(Kind k) throws Exception {
        RnnConfig c = config(k, 2, false, true);
        try (RnnModel m = new RnnModel(new CpuBackend(), c)) {
            randomize(m, 21);
            Data d = new Data(2, k.cell() == CellType.LSTM, new SplittableRandom(9));
            try (OrtRunner ort = new OrtRunner(OnnxExport.toBytes(m, OnnxExport.Options.defaults()))) {
                OrtRunner.Out whole = ort.run(d.tokens, null, d.h0, d.c0);
                float[][][] h = d.h0;
                float[][][] cs = d.c0;
                for (int t = 0; t < T; t++) {
                    OrtRunner.Out one = ort.run(new long[][] {d.tokens[t]}, null, h, cs);
                    for (int b = 0; b < B; b++) {
                        for (int o = 0; o < O; o++) {
                            assertEquals(whole.logits()[t][b][o], one.logits()[0][b][o],
                                    1e-6 * (1 + Math.abs(whole.logits()[t][b][o])), "step " + t);
                        }
                    }
                    h = one.hn();
                    cs = one.cn();
                }
                assertTrue(relativeError(h, Data.toDouble(whole.hn())) <= 1e-6, "final states");
            }
        }
    }

    /** Token by token, ORT's logits are the Generator's (Elman, LSTM, and a 2-layer GRU, as char-rnn trains). */
    @Test
    void ortGivesTheGeneratorsLogitsTokenByToken() throws Exception {
        for (RnnConfig c : new RnnConfig[] {RnnConfig.tokens(V, H).seed(4).build(),
            RnnConfig.tokens(V, H).cell(CellType.LSTM).seed(4).build(),
            RnnConfig.tokens(V, H).cell(CellType.GRU).layers(2).seed(4).build()}) {
            try (RnnModel m = new RnnModel(new CpuBackend(), c); Generator gen = new Generator(m)) {
                randomize(m, 31);
                OrtRunner ort = new OrtRunner(OnnxExport.toBytes(m, OnnxExport.Options.defaults()
                        .withStateInputs(false)));
                long[][] seq = new long[12][1];
                SplittableRandom r = new SplittableRandom(2);
                for (long[] s : seq) {
                    s[0] = r.nextInt(V);
                }
                float[][][] got = ort.run(seq, null, null, null).logits();
                gen.reset();
                double num = 0;
                double den = 0;
                for (int t = 0; t < seq.length; t++) {
                    float[] z = gen.feed((int) seq[t][0]);
                    for (int o = 0; o < z.length; o++) {
                        num += Math.pow(got[t][0][o] - z[o], 2);
                        den += (double) z[o] * z[o];
                    }
                }
                ort.close();
                double err = Math.sqrt(num / den);
                assertTrue(err <= TOLERANCE, c.cell() + " x" + c.layers() + ": ORT and the Generator differ by " + err);
            }
        }
    }

    /**
     * The gate orders matter: with every gate's parameters distinct, exchanging two of rnn4j's gate
     * blocks moves the reference's logits far beyond the tolerance, so an exporter that took ONNX's
     * blocks in another order would fail {@link #ortGivesTheReferenceLogitsAndFinalStates}; and ORT
     * agrees with the unpermuted model.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("gated")
    void aSwappedGateOrderIsCaught(CellType cell) throws Exception {
        RnnConfig c = RnnConfig.tokens(V, H).outputSize(O).cell(cell).seed(6).build();
        try (RnnModel m = new RnnModel(new CpuBackend(), c)) {
            randomize(m, 41);
            Data d = new Data(1, cell == CellType.LSTM, new SplittableRandom(3));
            ModelReference.Outputs want = reference(m, d, true, true);
            try (OrtRunner ort = new OrtRunner(OnnxExport.toBytes(m, OnnxExport.Options.defaults()))) {
                assertTrue(relativeError(ort.run(d.tokens, null, d.h0, d.c0).logits(), want.logits()) <= TOLERANCE);
            }
            int gates = cell.gates();
            for (int a = 0; a < gates; a++) {
                for (int b = a + 1; b < gates; b++) {
                    swapGateBlocks(m, a, b);
                    double moved = relativeError(toFloat(reference(m, d, true, true).logits()), want.logits());
                    swapGateBlocks(m, a, b);
                    assertTrue(moved > 100 * TOLERANCE, cell + ": exchanging gates " + a + " and " + b + " moved the"
                            + " logits by only " + moved);
                }
            }
        }
    }

    static Stream<CellType> gated() {
        return Stream.of(CellType.LSTM, CellType.GRU);
    }

    private static void swapGateBlocks(RnnModel m, int a, int b) {
        for (ParameterLayout.Entry e : m.layout().entries()) {
            if (e.name().startsWith(ParameterLayout.OUTPUT_WEIGHTS)
                    || e.name().startsWith(ParameterLayout.OUTPUT_BIAS)) {
                continue;
            }
            float[] v = m.parameter(e.name());
            boolean rowsAreGates = e.name().startsWith(ParameterLayout.RECURRENT_WEIGHTS);
            int gh = m.config().cell().gates() * H;
            float[] w = v.clone();
            for (int i = 0; i < e.rows(); i++) {
                for (int j = 0; j < e.cols(); j++) {
                    int gateIndex = rowsAreGates ? i : j;
                    int block = gateIndex / H;
                    int other = block == a ? b : block == b ? a : block;
                    int src = other * H + gateIndex % H;
                    w[i * e.cols() + j] = rowsAreGates ? v[src * e.cols() + j] : v[i * e.cols() + src];
                }
            }
            assertEquals(rowsAreGates ? gh : gh, rowsAreGates ? e.rows() : e.cols());
            m.setParameter(e.name(), w);
        }
    }

    private static float[][][] toFloat(double[][][] d) {
        float[][][] f = new float[d.length][][];
        for (int i = 0; i < d.length; i++) {
            f[i] = new float[d[i].length][];
            for (int j = 0; j < d[i].length; j++) {
                f[i][j] = new float[d[i][j].length];
                for (int k = 0; k < d[i][j].length; k++) {
                    f[i][j][k] = (float) d[i][j][k];
                }
            }
        }
        return f;
    }

    /** A diverged model (a NaN written straight into its arena) is refused, naming the parameter and element. */
    @Test
    void aNonFiniteParameterIsRefusedByName() {
        try (RnnModel m = new RnnModel(new CpuBackend(), RnnConfig.tokens(V, H).build())) {
            float[] u = m.parameter(ParameterLayout.RECURRENT_WEIGHTS);
            u[3] = Float.NaN;
            m.backend().upload(u, 0, m.view(ParameterLayout.RECURRENT_WEIGHTS));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxExport.toBytes(m, OnnxExport.Options.defaults()));
            assertTrue(e.getMessage().contains("recurrentWeights") && e.getMessage().contains("element 3"),
                    e.getMessage());
        }
    }
}

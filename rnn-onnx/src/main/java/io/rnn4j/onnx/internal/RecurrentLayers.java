package io.rnn4j.onnx.internal;

import static io.rnn4j.onnx.internal.Graph.attr;
import static io.rnn4j.onnx.internal.Graph.attrStrings;

import io.rnn4j.backend.Activation;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.onnx.internal.proto.OnnxProto.TensorProto;
import java.util.ArrayList;
import java.util.List;

/**
 * One recurrent layer of an {@link RnnModel} as ONNX nodes. Where ONNX's own operator computes the
 * cell exactly, it is used: {@code LSTM} (gates reordered from rnn4j's and PyTorch's i, f, g, o to
 * ONNX's i, o, f, c), {@code GRU} (r, z, n to z, r, h, with {@code linear_before_reset = 1}, PyTorch's
 * reset-gate placement), {@code RNN} for the tanh, logistic ({@code Sigmoid}) and ReLU Elman cells. The
 * Elman cells ONNX's {@code RNN} cannot express (PReLU's learned per-unit slope; the identity) are a
 * {@code Scan} per direction whose body is {@code f(x_t·Wᵀ + h·Uᵀ + b)} in plain operators.
 */
final class RecurrentLayers {
    /** Outputs of one layer: the sequence [T, B, dirs·H] and the final states [dirs, B, H]. */
    record Out(String sequence, String hn, String cn) {
    }

    private final Graph g;
    private final RnnModel model;
    private final RnnConfig c;
    private final int h;
    private final int dirs;

    RecurrentLayers(Graph g, RnnModel model) {
        this.g = g;
        this.model = model;
        this.c = model.config();
        this.h = c.hiddenSize();
        this.dirs = c.directions();
    }

    /** Which of rnn4j's gate blocks goes to each of ONNX's (ONNX block k = rnn4j block order[k]). */
    static int[] onnxGateOrder(CellType cell) {
        return switch (cell) {
            case LSTM -> new int[] {0, 3, 1, 2};   // i f g o  →  i o f c
            case GRU -> new int[] {1, 0, 2};       // r z n    →  z r h
            default -> new int[] {0};
        };
    }

    /** Whether ONNX's {@code RNN} operator computes this Elman activation exactly. */
    static boolean rnnOperator(Activation f) {
        return f == Activation.TANH || f == Activation.LOGISTIC || f == Activation.RELU;
    }

    private float[] param(String base, int l, int d) {
        String n = ParameterLayout.name(base, l, d);
        return model.layout().has(n) ? model.parameter(n) : null;
    }

    /**
     * Emits layer {@code l} reading {@code x} [T, B, in].
     *
     * @param h0 the layer's initial hidden states [dirs, B, H], or null for zeros
     * @param c0 the LSTM's initial cell states, or null
     */
    Out layer(int l, String x, String h0, String c0) {
        if (c.cell() == CellType.ELMAN && !rnnOperator(c.activation())) {
            return scanLayer(l, x, h0);
        }
        int gates = c.cell().gates();
        int gh = gates * h;
        int in = l == 0 ? c.inputSize() : dirs * h;
        int[] order = onnxGateOrder(c.cell());
        float[] w = new float[dirs * gh * in];
        float[] r = new float[dirs * gh * h];
        float[] b = new float[dirs * 2 * gh];
        for (int d = 0; d < dirs; d++) {
            float[] wt = param(ParameterLayout.INPUT_WEIGHTS, l, d);       // in × G·H (Wᵀ)
            float[] u = param(ParameterLayout.RECURRENT_WEIGHTS, l, d);    // G·H × H
            float[] bi = param(ParameterLayout.HIDDEN_BIAS, l, d);
            float[] bh = param(ParameterLayout.RECURRENT_BIAS, l, d);
            for (int k = 0; k < gates; k++) {
                int src = order[k] * h;
                for (int j = 0; j < h; j++) {
                    int row = k * h + j;
                    for (int q = 0; q < in; q++) {
                        w[(d * gh + row) * in + q] = wt[q * gh + src + j];
                    }
                    System.arraycopy(u, (src + j) * h, r, (d * gh + row) * h, h);
                    b[d * 2 * gh + row] = bi == null ? 0f : bi[src + j];
                    b[d * 2 * gh + gh + row] = bh == null ? 0f : bh[src + j];
                }
            }
        }
        String p = "layer" + l + "_";
        String wn = g.floats(p + "W", w, dirs, gh, in);
        String rn = g.floats(p + "R", r, dirs, gh, h);
        String bn = g.floats(p + "B", b, dirs, 2L * gh);
        String direction = dirs == 2 ? "bidirectional" : "forward";
        String y = g.fresh(p + "Y");
        String yh = g.fresh(p + "Y_h");
        List<String> inputs = new ArrayList<>(List.of(x, wn, rn, bn, "", h0 == null ? "" : h0));
        String yc = null;
        switch (c.cell()) {
            case LSTM -> {
                inputs.add(c0 == null ? "" : c0);
                yc = g.fresh(p + "Y_c");
                g.node("LSTM", trim(inputs), List.of(y, yh, yc), attr("hidden_size", h), attr("direction", direction));
            }
            case GRU -> g.node("GRU", trim(inputs), List.of(y, yh), attr("hidden_size", h),
                    attr("direction", direction), attr("linear_before_reset", 1));
            default -> {
                String act = switch (c.activation()) {
                    case TANH -> "Tanh";
                    case LOGISTIC -> "Sigmoid";
                    default -> "Relu";
                };
                String[] acts = dirs == 2 ? new String[] {act, act} : new String[] {act};
                g.node("RNN", trim(inputs), List.of(y, yh), attr("hidden_size", h), attr("direction", direction),
                        attrStrings("activations", acts));
            }
        }
        // Y is [T, dirs, B, H]: to [T, B, dirs·H], forward first (PyTorch's and rnn4j's concatenation).
        String seq;
        if (dirs == 1) {
            seq = g.op("Squeeze", List.of(y, g.longs("axis1", 1)));
        } else {
            String tr = g.op("Transpose", List.of(y), attr("perm", 0, 2, 1, 3));
            seq = g.op("Reshape", List.of(tr, g.longs("shape", 0, 0, -1)));
        }
        return new Out(seq, yh, yc);
    }

    /** ONNX drops trailing omitted inputs; inner ones stay as "". */
    private static List<String> trim(List<String> in) {
        int n = in.size();
        while (n > 0 && in.get(n - 1).isEmpty()) {
            n--;
        }
        return in.subList(0, n);
    }

    /** An Elman layer with PReLU or the identity: one {@code Scan} per direction. */
    private Out scanLayer(int l, String x, String h0) {
        int in = l == 0 ? c.inputSize() : dirs * h;
        List<String> seqs = new ArrayList<>();
        List<String> finals = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            String p = "layer" + l + (d == 1 ? "_reverse_" : "_");
            float[] u = param(ParameterLayout.RECURRENT_WEIGHTS, l, d);
            float[] ut = new float[h * h];
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < h; j++) {
                    ut[j * h + i] = u[i * h + j];
                }
            }
            String wt = g.floats(p + "Wt", param(ParameterLayout.INPUT_WEIGHTS, l, d), in, h);
            String utn = g.floats(p + "Ut", ut, h, h);
            float[] bi = param(ParameterLayout.HIDDEN_BIAS, l, d);
            String bn = bi == null ? null : g.floats(p + "b", bi, h);
            float[] slope = param(ParameterLayout.PRELU_SLOPE, l, d);
            String sn = slope == null ? null : g.floats(p + "slope", slope, h);

            Graph body = new Graph(p + "step", p + "s_");
            String hPrev = p + "h_prev";
            String xt = p + "x_t";
            body.input(hPrev, TensorProto.DataType.FLOAT_VALUE, "B", h);
            body.input(xt, TensorProto.DataType.FLOAT_VALUE, "B", in);
            String s = body.op("Add", List.of(body.op("MatMul", List.of(xt, wt)),
                    body.op("MatMul", List.of(hPrev, utn))));
            if (bn != null) {
                s = body.op("Add", List.of(s, bn));
            }
            String hNew = sn != null ? body.op("PRelu", List.of(s, sn)) : s;
            String hOut = p + "h_next";
            String yOut = p + "y_t";
            body.node("Identity", List.of(hNew), List.of(hOut));
            body.node("Identity", List.of(hNew), List.of(yOut));
            body.output(hOut, TensorProto.DataType.FLOAT_VALUE, "B", h);
            body.output(yOut, TensorProto.DataType.FLOAT_VALUE, "B", h);

            String init;
            if (h0 != null) {
                init = g.op("Squeeze", List.of(g.op("Slice", List.of(h0, g.longs("start", d), g.longs("end", d + 1),
                        g.longs("axis0", 0))), g.longs("axis0", 0)));
            } else {
                String batch = g.op("Gather", List.of(g.op("Shape", List.of(x)), g.longs("index1", 1)));
                init = g.op("ConstantOfShape", List.of(g.op("Concat", List.of(batch, g.longs("hidden", h)),
                        attr("axis", 0))));
            }
            String last = g.fresh(p + "h_last");
            String seq = g.fresh(p + "Y");
            long dir = d == 1 ? 1 : 0;
            g.node("Scan", List.of(init, x), List.of(last, seq), attr("body", body.build()),
                    attr("num_scan_inputs", 1), attr("scan_input_directions", new long[] {dir}),
                    attr("scan_output_directions", new long[] {dir}));
            seqs.add(seq);
            finals.add(g.op("Unsqueeze", List.of(last, g.longs("axis0", 0))));
        }
        if (dirs == 1) {
            return new Out(seqs.get(0), finals.get(0), null);
        }
        return new Out(g.op("Concat", seqs, attr("axis", 2)), g.op("Concat", finals, attr("axis", 0)), null);
    }
}

package io.rnn4j.onnx.internal;

import static io.rnn4j.onnx.internal.Graph.attr;

import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack of recurrent layers: layer l reads layer l − 1's sequence, takes its slots
 * {@code [l·dirs, (l + 1)·dirs)} of the initial states, and its final states are concatenated in slot
 * order into {@code hn} (and {@code cn}).
 */
public final class Layers {
    /**
     * The stack's outputs.
     *
     * @param sequence the top layer's sequence [T, B, dirs·H]
     * @param hn the final hidden states [L·dirs, B, H]
     * @param cn the LSTM's final cell states, or null
     */
    public record Result(String sequence, String hn, String cn) {
    }

    private Layers() {
    }

    /** Whether an Elman model's layers are ONNX {@code RNN} operators (else {@code Scan}s). */
    public static boolean usesRnnOperator(RnnConfig c) {
        return c.cell() == CellType.ELMAN && RecurrentLayers.rnnOperator(c.activation());
    }

    /**
     * Emits every layer.
     *
     * @param g the graph
     * @param model the model
     * @param x the input sequence [T, B, D]
     * @param h0 the initial hidden states [L·dirs, B, H], or null for zeros
     * @param c0 the initial cell states, or null
     * @return the stack's outputs
     */
    public static Result emit(Graph g, RnnModel model, String x, String h0, String c0) {
        RnnConfig c = model.config();
        int dirs = c.directions();
        RecurrentLayers layers = new RecurrentLayers(g, model);
        List<String> hs = new ArrayList<>();
        List<String> cs = new ArrayList<>();
        String in = x;
        for (int l = 0; l < c.layers(); l++) {
            RecurrentLayers.Out out = layers.layer(l, in, slots(g, h0, l, dirs, c.layers()),
                    slots(g, c0, l, dirs, c.layers()));
            in = out.sequence();
            hs.add(out.hn());
            if (out.cn() != null) {
                cs.add(out.cn());
            }
        }
        return new Result(in, concat(g, hs), cs.isEmpty() ? null : concat(g, cs));
    }

    private static String slots(Graph g, String states, int l, int dirs, int layers) {
        if (states == null || layers == 1) {
            return states;
        }
        return g.op("Slice", List.of(states, g.longs("start", (long) l * dirs), g.longs("end", (long) (l + 1) * dirs),
                g.longs("axis0", 0)));
    }

    private static String concat(Graph g, List<String> parts) {
        return parts.size() == 1 ? parts.get(0) : g.op("Concat", parts, attr("axis", 0));
    }
}

package io.rnn4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each named parameter lives in the one contiguous parameter arena. The gradient arena and
 * every optimizer-state arena use the same layout. Order: {@code recurrentWeights} (G·H × H, G the
 * cell's gate count), {@code inputWeights} (D × G·H), {@code hiddenBias} (1 × G·H),
 * {@code recurrentBias} (cells with a separate recurrent bias: the GRU, 1 × 3H) for layer 0, the same with {@code _l1}, {@code _l2}, …
 * for stacked layers (whose input weights are H × G·H), then {@code outputWeights},
 * {@code outputBias}, {@code preluSlope} (per layer; absent entries skipped).
 */
public final class ParameterLayout {

    /** One parameter: name, shape and element offset in the arena. */
    public record Entry(String name, int rows, int cols, long offset) {
        /** {@return number of elements} */
        public long size() {
            return (long) rows * cols;
        }
    }

    /** The recurrent weights U, {@code G·H × H}. */
    public static final String RECURRENT_WEIGHTS = "recurrentWeights";
    /** The input weights Wᵀ, {@code D × G·H} (row i: the embedding of token i). */
    public static final String INPUT_WEIGHTS = "inputWeights";
    /** The hidden bias b, {@code 1 × G·H}. */
    public static final String HIDDEN_BIAS = "hiddenBias";
    /** GRU only: the bias inside the recurrent term, {@code b_h} (PyTorch {@code bias_hh_l0}). */
    public static final String RECURRENT_BIAS = "recurrentBias";
    /** The output weights V, {@code O × D·H}. */
    public static final String OUTPUT_WEIGHTS = "outputWeights";
    /** The output bias c, {@code 1 × O}. */
    public static final String OUTPUT_BIAS = "outputBias";
    /** The PReLU slopes a, {@code 1 × H}. */
    public static final String PRELU_SLOPE = "preluSlope";

    private final Map<String, Entry> entries;
    private final long size;

    private ParameterLayout(Map<String, Entry> entries, long size) {
        this.entries = Collections.unmodifiableMap(entries);
        this.size = size;
    }

    /**
     * The layout of the model with this configuration.
     *
     * @param c the model's configuration
     * @return its layout
     */
    public static ParameterLayout of(RnnConfig c) {
        Map<String, Entry> m = new LinkedHashMap<>();
        long[] off = {0};
        int h = c.hiddenSize();
        int gh = c.cell().gates() * h;
        int dirs = c.directions();
        for (int l = 0; l < c.layers(); l++) {
            for (int d = 0; d < dirs; d++) {
                add(m, off, name(RECURRENT_WEIGHTS, l, d), gh, h);
                add(m, off, name(INPUT_WEIGHTS, l, d), l == 0 ? c.inputSize() : dirs * h, gh);
                if (c.hiddenBias()) {
                    add(m, off, name(HIDDEN_BIAS, l, d), 1, gh);
                    if (c.cell().implementation().hasRecurrentBias()) {
                        add(m, off, name(RECURRENT_BIAS, l, d), 1, gh);
                    }
                }
            }
        }
        add(m, off, OUTPUT_WEIGHTS, c.outputSize(), dirs * h);
        if (c.outputBias()) {
            add(m, off, OUTPUT_BIAS, 1, c.outputSize());
        }
        // The PReLU slopes come last (after the head), as in 0.1 checkpoints, whose optimizer states
        // follow this order.
        if (c.activation() == io.rnn4j.backend.Activation.PRELU) {
            for (int l = 0; l < c.layers(); l++) {
                for (int d = 0; d < dirs; d++) {
                    add(m, off, name(PRELU_SLOPE, l, d), 1, h);
                }
            }
        }
        if (off[0] > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model has " + off[0] + " parameters; at most "
                    + (Integer.MAX_VALUE - 8) + " are supported");
        }
        return new ParameterLayout(m, off[0]);
    }

    /**
     * The name of a per-layer parameter: the base name for layer 0 ({@code recurrentWeights}), the
     * base name with {@code _l1}, {@code _l2}, … for the layers above ({@code recurrentWeights_l1}).
     *
     * @param base one of the base names above
     * @param layer the layer, from 0
     * @return {@code base} for layer 0, {@code base_lL} above
     */
    public static String name(String base, int layer) {
        return layer == 0 ? base : base + "_l" + layer;
    }

    /**
     * The name of a per-layer parameter of direction {@code direction} (0 forward, 1 reverse): as
     * {@link #name(String, int)}, with {@code _reverse} for the reverse direction
     * ({@code inputWeights_l1_reverse}), as PyTorch names them.
     *
     * @param base one of the base names above
     * @param layer the layer, from 0
     * @param direction 0 (forward) or 1 (reverse)
     * @return {@code base}, {@code base_l1}…, with {@code _reverse} for direction 1
     */
    public static String name(String base, int layer, int direction) {
        return direction == 0 ? name(base, layer) : name(base, layer) + "_reverse";
    }

    private static void add(Map<String, Entry> m, long[] off, String name, int rows, int cols) {
        Entry e = new Entry(name, rows, cols, off[0]);
        m.put(name, e);
        off[0] += e.size();
    }

    /** {@return total number of parameters (the arena length)} */
    public long size() {
        return size;
    }

    /**
     * The entry for a name.
     *
     * @param name a parameter name of this layout
     * @return its entry
     */
    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "' (have " + entries.keySet() + ")");
        }
        return e;
    }

    /**
     * Whether a parameter of this name exists.
     *
     * @param name a parameter name
     * @return whether the layout has it
     */
    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** {@return all entries in arena order} */
    public List<Entry> entries() {
        return new ArrayList<>(entries.values());
    }
}

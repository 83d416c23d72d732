package io.rnn4j.io;

import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mapping between rnn4j's parameters and PyTorch's {@code nn.RNN} / {@code nn.LSTM} /
 * {@code nn.GRU} + {@code nn.Linear} state-dict names, with G the cell's gate count:
 * <ul>
 *   <li>{@code weight_hh_l{l}} ({@code G·H × H}) is {@code recurrentWeights} as stored;</li>
 *   <li>{@code weight_ih_l{l}} ({@code G·H × D}) is the transpose of {@code inputWeights} (rnn4j
 *       stores Wᵀ, so that a token's embedding is a row);</li>
 *   <li>{@code bias_ih_l{l}} is {@code hiddenBias}; {@code bias_hh_l{l}} is the GRU's
 *       {@code recurrentBias}, and zeros for the other cells, which add the two (on import the sum
 *       is taken);</li>
 *   <li>the reverse direction of a bidirectional layer: the same names with {@code _reverse}
 *       ({@code weight_ih_l0_reverse}); layers above the first read {@code 2H} features;</li>
 *   <li>{@code weight}, {@code bias} of the head are {@code outputWeights} ({@code O × H}, 2H when
 *       bidirectional) and
 *       {@code outputBias}; the PReLU slopes, which PyTorch's RNN has not, are
 *       {@code rnn4j.prelu_slope} ({@code _l{l}} above layer 0).</li>
 * </ul>
 */
final class PyTorchNames {
    /** The prefixes of rnn4j's own checkpoints: the recurrent module {@code rnn.}, the head {@code fc.}. */
    static final String RNN = "rnn.";
    static final String HEAD = "fc.";

    private PyTorchNames() {
    }

    /** The slope's name for layer {@code l}, direction {@code d}. */
    static String slope(int l, int d) {
        return (l == 0 ? "rnn4j.prelu_slope" : "rnn4j.prelu_slope_l" + l) + (d == 1 ? "_reverse" : "");
    }

    /** PyTorch's suffix of layer {@code l}, direction {@code d}: {@code _l0}, {@code _l1_reverse}, … */
    static String suffix(int l, int d) {
        return "_l" + l + (d == 1 ? "_reverse" : "");
    }

    /** The model's parameters under PyTorch's names and shapes, in state-dict order. */
    static List<SafetensorsFile.Entry> export(RnnModel model) {
        RnnConfig c = model.config();
        int h = c.hiddenSize();
        int gh = c.cell().gates() * h;
        int dirs = c.directions();
        List<SafetensorsFile.Entry> out = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            int in = l == 0 ? c.inputSize() : dirs * h;
            for (int d = 0; d < dirs; d++) {
                String sx = suffix(l, d);
                out.add(entry(RNN + "weight_ih" + sx,
                        transpose(model.parameter(name(ParameterLayout.INPUT_WEIGHTS, l, d)), in, gh), gh, in));
                out.add(entry(RNN + "weight_hh" + sx, model.parameter(name(ParameterLayout.RECURRENT_WEIGHTS, l, d)),
                        gh, h));
                if (c.hiddenBias()) {
                    out.add(entry(RNN + "bias_ih" + sx, model.parameter(name(ParameterLayout.HIDDEN_BIAS, l, d)), gh));
                    String rb = name(ParameterLayout.RECURRENT_BIAS, l, d);
                    out.add(entry(RNN + "bias_hh" + sx, model.layout().has(rb) ? model.parameter(rb) : new float[gh],
                            gh));
                }
                String sl = name(ParameterLayout.PRELU_SLOPE, l, d);
                if (model.layout().has(sl)) {
                    out.add(entry(slope(l, d), model.parameter(sl), h));
                }
            }
        }
        out.add(entry(HEAD + "weight", model.parameter(ParameterLayout.OUTPUT_WEIGHTS), c.outputSize(), dirs * h));
        if (c.outputBias()) {
            out.add(entry(HEAD + "bias", model.parameter(ParameterLayout.OUTPUT_BIAS), c.outputSize()));
        }
        return out;
    }

    /**
     * The values of every parameter of a model of {@code c} from PyTorch-named tensors: each tensor
     * the configuration needs must be there with exactly its shape and finite values.
     *
     * @param rnn the prefix of the recurrent module's names (e.g. {@code rnn.})
     * @param head the prefix of the head's names (e.g. {@code fc.})
     * @return parameter name (as in {@link ParameterLayout}) → row-major values
     * @throws CheckpointException naming the tensor that is missing, misshapen or not finite
     */
    static Map<String, float[]> parameters(RnnConfig c, Map<String, SafetensorsFile.Entry> tensors, String rnn,
                                           String head) throws CheckpointException {
        int h = c.hiddenSize();
        int gh = c.cell().gates() * h;
        int dirs = c.directions();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int l = 0; l < c.layers(); l++) {
            int in = l == 0 ? c.inputSize() : dirs * h;
            for (int d = 0; d < dirs; d++) {
                String sx = suffix(l, d);
                out.put(name(ParameterLayout.RECURRENT_WEIGHTS, l, d), need(tensors, rnn + "weight_hh" + sx, gh, h));
                out.put(name(ParameterLayout.INPUT_WEIGHTS, l, d), transpose(need(tensors, rnn + "weight_ih" + sx, gh,
                        in), gh, in));
                if (c.hiddenBias()) {
                    float[] bi = need(tensors, rnn + "bias_ih" + sx, gh);
                    float[] bh = need(tensors, rnn + "bias_hh" + sx, gh);
                    if (c.cell().implementation().hasRecurrentBias()) {
                        out.put(name(ParameterLayout.HIDDEN_BIAS, l, d), bi);
                        out.put(name(ParameterLayout.RECURRENT_BIAS, l, d), bh);
                    } else {
                        float[] b = new float[gh];
                        for (int i = 0; i < gh; i++) {
                            b[i] = bi[i] + bh[i];
                        }
                        out.put(name(ParameterLayout.HIDDEN_BIAS, l, d), b);
                    }
                } else {
                    refuse(tensors, rnn + "bias_ih" + sx, "the model has no biases (RnnConfig.biases(false))");
                }
                if (c.activation() == io.rnn4j.backend.Activation.PRELU) {
                    out.put(name(ParameterLayout.PRELU_SLOPE, l, d), need(tensors, slope(l, d), h));
                }
            }
            if (dirs == 1) {
                refuse(tensors, rnn + "weight_ih" + suffix(l, 1), "the model is not bidirectional");
            }
        }
        out.put(ParameterLayout.OUTPUT_WEIGHTS, need(tensors, head + "weight", c.outputSize(), dirs * h));
        if (c.outputBias()) {
            out.put(ParameterLayout.OUTPUT_BIAS, need(tensors, head + "bias", c.outputSize()));
        } else {
            refuse(tensors, head + "bias", "the model has no output bias (RnnConfig.outputBias(false))");
        }
        return out;
    }

    /**
     * The tensors a model of {@code c} has, by name, with their shapes (both biases where the model has
     * biases), in state-dict order.
     */
    static Map<String, long[]> shapes(RnnConfig c, String rnn, String head) {
        long h = c.hiddenSize();  // long: a configuration read from a file may hold any int
        long gh = c.cell().gates() * h;
        long dirs = c.directions();
        Map<String, long[]> out = new LinkedHashMap<>();
        for (int l = 0; l < c.layers(); l++) {
            long in = l == 0 ? c.inputSize() : dirs * h;
            for (int d = 0; d < dirs; d++) {
                String sx = suffix(l, d);
                out.put(rnn + "weight_ih" + sx, new long[] {gh, in});
                out.put(rnn + "weight_hh" + sx, new long[] {gh, h});
                if (c.hiddenBias()) {
                    out.put(rnn + "bias_ih" + sx, new long[] {gh});
                    out.put(rnn + "bias_hh" + sx, new long[] {gh});
                }
                if (c.activation() == io.rnn4j.backend.Activation.PRELU) {
                    out.put(slope(l, d), new long[] {h});
                }
            }
        }
        out.put(head + "weight", new long[] {c.outputSize(), dirs * h});
        if (c.outputBias()) {
            out.put(head + "bias", new long[] {c.outputSize()});
        }
        return out;
    }

    /**
     * Checks a file's layout against a model of {@code c} before any data is read: every tensor the model
     * needs is there with exactly its shape, and, when {@code strict}, no tensor under the prefixes
     * ({@code rnn}, {@code head}, {@code rnn4j.}) is left without a place in the model (PyTorch's
     * {@code strict=True}: a 2-layer file does not load into a 1-layer model).
     *
     * @param file the file's tensors by name, with their shapes
     * @param other names that are allowed besides the model's (a checkpoint's optimizer and carried state)
     * @throws CheckpointException naming the first tensor that is missing, misshapen or without a place
     */
    static void checkLayout(RnnConfig c, Map<String, long[]> file, String rnn, String head, boolean strict,
                            java.util.Set<String> other) throws CheckpointException {
        Map<String, long[]> want = shapes(c, rnn, head);
        for (Map.Entry<String, long[]> e : want.entrySet()) {
            long[] got = file.get(e.getKey());
            if (got == null) {
                throw new CheckpointException("no tensor '" + e.getKey() + "' (the configuration needs one of shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            if (!Arrays.equals(got, e.getValue())) {
                throw new CheckpointException("tensor '" + e.getKey() + "' has shape " + Arrays.toString(got)
                        + ", the configuration needs " + Arrays.toString(e.getValue()));
            }
        }
        if (!strict) {
            return;
        }
        for (String name : file.keySet()) {
            boolean ours = (!rnn.isEmpty() && name.startsWith(rnn)) || (!head.isEmpty() && name.startsWith(head))
                    || name.startsWith("rnn4j.") || rnn.isEmpty() || head.isEmpty();
            if (ours && !want.containsKey(name) && !other.contains(name)) {
                throw new CheckpointException("tensor '" + name + "' has no place in this model (" + describe(c)
                        + "): " + whyNoPlace(c, name, rnn) + " (Checkpoint.importPyTorch(…, false) ignores such tensors)");
            }
        }
    }

    /** Why a tensor of the file has no place in a model of {@code c}, as far as its name tells. */
    private static String whyNoPlace(RnnConfig c, String name, String rnn) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("_l(\\d+)(_reverse)?$").matcher(name);
        if (m.find()) {
            int layer = Integer.parseInt(m.group(1));
            if (layer >= c.layers()) {
                return "the model has " + c.layers() + (c.layers() == 1 ? " layer" : " layers");
            }
            if (m.group(2) != null && c.directions() == 1) {
                return "the model is not bidirectional";
            }
        }
        if (name.startsWith(rnn + "weight_hr")) {
            return "a projection (PyTorch's proj_size), which rnn4j does not have";
        }
        if (name.contains("bias") && !c.hiddenBias() && name.startsWith(rnn)) {
            return "the model has no biases (RnnConfig.biases(false))";
        }
        if (name.contains("bias") && !c.outputBias()) {
            return "the model has no output bias (RnnConfig.outputBias(false))";
        }
        if (name.startsWith("rnn4j.prelu_slope")) {
            return "the model's activation is not PReLU";
        }
        return "no parameter of the model has that name";
    }

    private static String describe(RnnConfig c) {
        return c.cell().name().toLowerCase(java.util.Locale.ROOT) + ", " + c.layers()
                + (c.layers() == 1 ? " layer" : " layers") + (c.bidirectional() ? ", bidirectional" : "") + ", H "
                + c.hiddenSize();
    }

    /** A tensor of exactly this shape, all finite. */
    static float[] need(Map<String, SafetensorsFile.Entry> tensors, String name, long... shape)
            throws CheckpointException {
        SafetensorsFile.Entry e = tensors.get(name);
        if (e == null) {
            throw new CheckpointException("no tensor '" + name + "' (the configuration needs one of shape "
                    + Arrays.toString(shape) + ")");
        }
        if (!Arrays.equals(e.shape(), shape)) {
            throw new CheckpointException("tensor '" + name + "' has shape " + Arrays.toString(e.shape())
                    + ", the configuration needs " + Arrays.toString(shape));
        }
        float[] v = e.data();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new CheckpointException("tensor '" + name + "' holds " + v[i] + " at index " + i);
            }
        }
        return v;
    }

    private static void refuse(Map<String, SafetensorsFile.Entry> tensors, String name, String why)
            throws CheckpointException {
        if (tensors.containsKey(name)) {
            throw new CheckpointException("tensor '" + name + "' has no place in this model: " + why);
        }
    }

    private static String name(String base, int layer, int direction) {
        return ParameterLayout.name(base, layer, direction);
    }

    private static SafetensorsFile.Entry entry(String name, float[] v, long... shape) {
        return new SafetensorsFile.Entry(name, shape, v);
    }

    static float[] transpose(float[] m, int rows, int cols) {
        float[] out = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = m[r * cols + c];
            }
        }
        return out;
    }
}

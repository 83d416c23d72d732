package io.rnn4j.onnx;

import static io.rnn4j.onnx.internal.Graph.attr;

import io.rnn4j.backend.Activation;
import io.rnn4j.internal.Json;
import io.rnn4j.io.internal.ConfigCodec;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.onnx.internal.Graph;
import io.rnn4j.onnx.internal.Layers;
import io.rnn4j.onnx.internal.proto.OnnxProto.ModelProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.OperatorSetIdProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.StringStringEntryProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.TensorProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Exports an {@link RnnModel} to ONNX (opset {@value #OPSET}, IR version {@value #IR_VERSION}), for ONNX
 * Runtime and the other ONNX runtimes. The graph:
 * <ul>
 *   <li>inputs: {@code tokens} int64 {@code [T, B]} (a token-input model) or {@code inputs} float
 *       {@code [T, B, D]} (dense); with {@link Options#stateInputs()} also {@code h0} (and {@code c0}
 *       for the LSTM) float {@code [L·dirs, B, H]}, slot {@code l·dirs + d} for layer l, direction d
 *       (PyTorch's layout); without them the states start at zero;</li>
 *   <li>outputs: {@code logits} {@code [T, B, O]} and {@code hn} (and {@code cn}) {@code [L·dirs, B, H]},
 *       so that a caller streams a sequence one step at a time by feeding {@code hn} back as {@code h0};</li>
 *   <li>operators: {@code OneHot} for tokens; per layer ONNX's {@code LSTM}, {@code GRU}
 *       ({@code linear_before_reset = 1}) or {@code RNN} (tanh, logistic, ReLU), or a {@code Scan} of
 *       plain operators for the Elman cells {@code RNN} cannot express (PReLU, identity); the head as
 *       {@code MatMul} and {@code Add}.</li>
 * </ul>
 * Every sequence runs all T steps (an exported model has no lengths input; pad after the end, or
 * export per length). Dropout is a training-time operation and is not part of the graph. The model's
 * configuration is kept as provenance in the metadata ({@code rnn4j.config}). docs/DESIGN.md maps
 * every parameter onto the operators' inputs.
 */
public final class OnnxExport {
    /** The operator set the graphs use (ONNX 1.12; ONNX Runtime 1.12 and later). */
    public static final int OPSET = 17;
    /** The IR version written (the one that goes with opset 17). */
    public static final int IR_VERSION = 8;

    /**
     * What to export besides the model.
     *
     * @param stateInputs whether the graph takes initial states ({@code h0}, {@code c0}): needed to
     *     stream one step at a time; without them the states start at zero
     */
    public record Options(boolean stateInputs) {
        /** {@return state inputs on} */
        public static Options defaults() {
            return new Options(true);
        }

        /**
         * @param on whether the graph takes initial states
         * @return these options with {@link #stateInputs()} set
         */
        public Options withStateInputs(boolean on) {
            return new Options(on);
        }
    }

    private OnnxExport() {
    }

    /**
     * Writes the model as an ONNX file (atomically: a temporary file beside it, then a rename).
     *
     * @param model the model (its current parameters)
     * @param file the ONNX file
     * @param options what to export besides the model
     * @throws IOException if the file cannot be written
     */
    public static void write(RnnModel model, Path file, Options options) throws IOException {
        byte[] bytes = toBytes(model, options);
        Path abs = file.toAbsolutePath();
        // Beside the target (the rename stays on one file system), created as any file is (the umask's
        // permissions, not a temporary file's owner-only ones).
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                out.write(bytes);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The model as the bytes of an ONNX file.
     *
     * @param model the model (its current parameters)
     * @param options what to export besides the model
     * @return the serialized {@code ModelProto}
     * @throws IllegalArgumentException if a parameter is not finite (ONNX runtimes would propagate it)
     */
    public static byte[] toBytes(RnnModel model, Options options) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        RnnConfig c = model.config();
        for (ParameterLayout.Entry e : model.layout().entries()) {
            float[] v = model.parameter(e.name());
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException("parameter " + e.name() + " has the non-finite value " + v[i]
                            + " at element " + i + ": nothing was exported");
                }
            }
        }
        Graph g = new Graph("rnn4j_" + c.cell().name().toLowerCase(java.util.Locale.ROOT), "");
        int h = c.hiddenSize();
        int slots = c.layers() * c.directions();
        String x;
        if (c.inputKind() == InputKind.TOKENS) {
            g.input("tokens", TensorProto.DataType.INT64_VALUE, "T", "B");
            x = g.op("OneHot", List.of("tokens", g.longs("depth", c.inputSize()), g.floats("onehot_values",
                    new float[] {0f, 1f}, 2)), attr("axis", -1));
        } else {
            g.input("inputs", TensorProto.DataType.FLOAT_VALUE, "T", "B", c.inputSize());
            x = "inputs";
        }
        boolean lstm = c.cell() == CellType.LSTM;
        if (options.stateInputs()) {
            g.input("h0", TensorProto.DataType.FLOAT_VALUE, slots, "B", h);
            if (lstm) {
                g.input("c0", TensorProto.DataType.FLOAT_VALUE, slots, "B", h);
            }
        }
        Layers.Result r = Layers.emit(g, model, x, options.stateInputs() ? "h0" : null,
                options.stateInputs() && lstm ? "c0" : null);
        float[] v = model.parameter(ParameterLayout.OUTPUT_WEIGHTS);   // O × K
        int o = c.outputSize();
        int k = c.directions() * h;
        float[] vt = new float[k * o];
        for (int i = 0; i < o; i++) {
            for (int j = 0; j < k; j++) {
                vt[j * o + i] = v[i * k + j];
            }
        }
        String z = g.op("MatMul", List.of(r.sequence(), g.floats("head_Vt", vt, k, o)));
        if (model.layout().has(ParameterLayout.OUTPUT_BIAS)) {
            g.node("Add", List.of(z, g.floats("head_c", model.parameter(ParameterLayout.OUTPUT_BIAS), o)),
                    List.of("logits"));
        } else {
            g.node("Identity", List.of(z), List.of("logits"));
        }
        g.node("Identity", List.of(r.hn()), List.of("hn"));
        g.output("logits", TensorProto.DataType.FLOAT_VALUE, "T", "B", o);
        g.output("hn", TensorProto.DataType.FLOAT_VALUE, slots, "B", h);
        if (lstm) {
            g.node("Identity", List.of(r.cn()), List.of("cn"));
            g.output("cn", TensorProto.DataType.FLOAT_VALUE, slots, "B", h);
        }
        List<StringStringEntryProto> meta = new ArrayList<>();
        meta.add(StringStringEntryProto.newBuilder().setKey("rnn4j.config")
                .setValue(Json.write(ConfigCodec.toMap(c))).build());
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("rnn4j")
                .setProducerVersion(version()).setDocString(describe(c))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addAllMetadataProps(meta).setGraph(g.build()).build().toByteArray();
    }

    /**
     * Which ONNX operators carry a model of this configuration (for logs and notes).
     *
     * @param c the model's configuration
     * @return the operators, e.g. {@code OneHot, LSTM, MatMul, Add}
     */
    public static String operators(RnnConfig c) {
        String cell = switch (c.cell()) {
            case LSTM -> "LSTM";
            case GRU -> "GRU (linear_before_reset = 1)";
            default -> Layers.usesRnnOperator(c)
                    ? "RNN (" + c.activation().name().toLowerCase(java.util.Locale.ROOT) + ")"
                    : "Scan (MatMul, Add, " + (c.activation() == Activation.PRELU ? "PRelu" : "Identity") + ")";
        };
        return (c.inputKind() == InputKind.TOKENS ? "OneHot, " : "") + cell + ", MatMul, Add";
    }

    private static String describe(RnnConfig c) {
        return "rnn4j " + c.cell().name() + " " + c.layers() + " layer(s)" + (c.bidirectional() ? ", bidirectional"
                : "") + ", H " + c.hiddenSize() + ", " + c.inputKind().name().toLowerCase(java.util.Locale.ROOT)
                + " input " + c.inputSize() + ", output " + c.outputSize() + "; operators: " + operators(c);
    }

    private static String version() {
        String v = OnnxExport.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}

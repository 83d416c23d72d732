package io.rnn4j.io;

import io.rnn4j.backend.Backend;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training state in one <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * file: an 8-byte little-endian header length, a JSON header, then the raw little-endian float32
 * data. Readable by the Python {@code safetensors} package and so by PyTorch.
 *
 * <h2>Tensors (names map one-to-one onto PyTorch's {@code nn.RNN} / {@code nn.LSTM} /
 * {@code nn.GRU} + {@code nn.Linear})</h2>
 * With G the cell's gate count (1, 4 for i, f, g, o, 3 for r, z, n, in PyTorch's order):
 * <ul>
 *   <li>{@code rnn.weight_hh_l0} — G·H×H, {@code recurrentWeights} U as stored.</li>
 *   <li>{@code rnn.weight_ih_l0} — G·H×D, the transpose of {@code inputWeights} (rnn4j stores Wᵀ,
 *       D×G·H). For token inputs this is the weight of a recurrent layer fed one-hot vectors.</li>
 *   <li>{@code rnn.bias_ih_l0} — G·H, {@code hiddenBias}; {@code rnn.bias_hh_l0} — G·H, zeros for
 *       the Elman cell and the LSTM (PyTorch adds the two biases), {@code recurrentBias} for the GRU.</li>
 *   <li>{@code rnn.*_l1}, {@code rnn.*_l2}, … — the same for stacked layers (their input is H wide).</li>
 *   <li>{@code state.hidden}, {@code state.cell} — L×B×H, the carried hidden state and an LSTM's cell
 *       state, as PyTorch's {@code h_n} and {@code c_n}.</li>
 *   <li>{@code fc.weight} — O×H, {@code outputWeights} V; {@code fc.bias} — O, {@code outputBias} c.</li>
 *   <li>{@code rnn4j.prelu_slope} — H, PReLU models only (PyTorch's {@code nn.RNN} has no PReLU).</li>
 *   <li>{@code optimizer.state0}, {@code optimizer.state1} — the optimizer's state arenas (P floats
 *       each, in the parameter-arena order of {@link ParameterLayout}), as many as the rule has.</li>
 * </ul>
 *
 * <h2>Metadata ({@code __metadata__}, strings)</h2>
 * {@code format} = {@value #FORMAT}; {@code model} and {@code trainer}: the configurations as JSON;
 * {@code step}: updates applied; {@code sha256}: the SHA-256 of the data section, verified on load;
 * plus any caller entries (e.g. an RNG state).
 *
 * <p>Writes are atomic: a temporary file in the same directory, flushed to disk, then renamed over
 * the target, so a crash leaves either the old checkpoint or the new one, never half a file.
 */
public final class Checkpoint {
    /** The value of the {@code format} metadata entry. */
    public static final String FORMAT = "rnn4j-checkpoint/1";
    private static final long MAX_HEADER = 100L << 20;

    private final Map<String, float[]> tensors;
    private final Map<String, long[]> shapes;
    private final Map<String, String> metadata;

    private Checkpoint(Map<String, float[]> tensors, Map<String, long[]> shapes, Map<String, String> metadata) {
        this.tensors = tensors;
        this.shapes = shapes;
        this.metadata = metadata;
    }

    /** Every tensor by name (row-major floats). */
    public Map<String, float[]> tensors() {
        return tensors;
    }

    /** The shape of a tensor. */
    public long[] shape(String name) {
        return shapes.get(name).clone();
    }

    /** The metadata entries. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The model configuration stored in the file. */
    public RnnConfig modelConfig() throws CheckpointException {
        return parseConfig("model", m -> ConfigCodec.rnnConfig(m));
    }

    /** The training configuration stored in the file. */
    public TrainerConfig trainerConfig() throws CheckpointException {
        return parseConfig("trainer", m -> ConfigCodec.trainerConfig(m));
    }

    /** Updates applied when the checkpoint was written. */
    public long step() throws CheckpointException {
        try {
            return Long.parseLong(metadata.getOrDefault("step", ""));
        } catch (NumberFormatException e) {
            throw new CheckpointException("checkpoint metadata has no valid 'step'");
        }
    }

    private interface Parser<T> {
        T parse(Map<String, Object> m);
    }

    @SuppressWarnings("unchecked")
    private <T> T parseConfig(String key, Parser<T> p) throws CheckpointException {
        String json = metadata.get(key);
        if (json == null) {
            throw new CheckpointException("checkpoint metadata has no '" + key + "' configuration");
        }
        try {
            return p.parse((Map<String, Object>) Json.parse(json));
        } catch (RuntimeException e) {
            throw new CheckpointException("checkpoint '" + key + "' configuration is invalid: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes the trainer's model, optimizer state, step and carried hidden state, plus
     * {@code extraMetadata}, atomically to {@code file}.
     */
    public static void save(Path file, Trainer trainer, Map<String, String> extraMetadata) throws IOException {
        RnnModel model = trainer.model();
        RnnConfig c = model.config();
        int h = c.hiddenSize();
        int gh = c.cell().gates() * h;
        Map<String, float[]> t = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (int l = 0; l < c.layers(); l++) {
            int in = l == 0 ? c.inputSize() : h;
            put(t, shapes, "rnn.weight_hh_l" + l, model.parameter(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l)),
                    gh, h);
            put(t, shapes, "rnn.weight_ih_l" + l,
                    transpose(model.parameter(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l)), in, gh), gh, in);
            if (c.hiddenBias()) {
                put(t, shapes, "rnn.bias_ih_l" + l, model.parameter(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l)),
                        gh);
                String rb = ParameterLayout.name(ParameterLayout.RECURRENT_BIAS, l);
                put(t, shapes, "rnn.bias_hh_l" + l, model.layout().has(rb) ? model.parameter(rb) : new float[gh], gh);
            }
            if (model.layout().has(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l))) {
                put(t, shapes, l == 0 ? "rnn4j.prelu_slope" : "rnn4j.prelu_slope_l" + l,
                        model.parameter(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l)), h);
            }
        }
        put(t, shapes, "fc.weight", model.parameter(ParameterLayout.OUTPUT_WEIGHTS), c.outputSize(), h);
        if (c.outputBias()) {
            put(t, shapes, "fc.bias", model.parameter(ParameterLayout.OUTPUT_BIAS), c.outputSize());
        }
        int states = trainer.config().optimizer().rule(Float.POSITIVE_INFINITY).stateTensors();
        for (int i = 0; i < states; i++) {
            float[] s = trainer.optimizerState(i);
            put(t, shapes, "optimizer.state" + i, s, s.length);
        }
        float[] hidden = trainer.hiddenState();
        int layers = c.layers();
        if (hidden.length > 0) {
            put(t, shapes, "state.hidden", hidden, layers, hidden.length / h / layers, h);
        }
        float[] cellState = trainer.cellState();
        if (cellState.length > 0) {
            put(t, shapes, "state.cell", cellState, layers, cellState.length / h / layers, h);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("model", Json.write(ConfigCodec.toMap(c)));
        meta.put("trainer", Json.write(ConfigCodec.toMap(trainer.config())));
        meta.put("step", Long.toString(trainer.stepCount()));
        if (extraMetadata != null) {
            for (Map.Entry<String, String> e : extraMetadata.entrySet()) {
                if (meta.containsKey(e.getKey()) || e.getKey().equals("sha256")) {
                    throw new IllegalArgumentException("metadata key '" + e.getKey() + "' is reserved");
                }
                meta.put(e.getKey(), e.getValue());
            }
        }
        write(file, t, shapes, meta);
    }

    private static void put(Map<String, float[]> t, Map<String, long[]> shapes, String name, float[] v, long... shape) {
        t.put(name, v);
        shapes.put(name, shape);
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] out = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = m[r * cols + c];
            }
        }
        return out;
    }

    /** Writes tensors and metadata in the safetensors layout, atomically. */
    static void write(Path file, Map<String, float[]> tensors, Map<String, long[]> shapes, Map<String, String> meta)
            throws IOException {
        long total = 0;
        for (float[] v : tensors.values()) {
            total += 4L * v.length;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IOException("checkpoint data of " + total + " bytes is too large");
        }
        ByteBuffer data = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Object> header = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            long begin = data.position();
            for (float f : e.getValue()) {
                data.putFloat(f);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            List<Object> shape = new ArrayList<>();
            for (long d : shapes.get(e.getKey())) {
                shape.add(d);
            }
            info.put("shape", shape);
            info.put("data_offsets", List.of(begin, (long) data.position()));
            header.put(e.getKey(), info);
        }
        Map<String, Object> m = new LinkedHashMap<>(meta);
        m.put("sha256", sha256(data.array()));
        Map<String, Object> full = new LinkedHashMap<>();
        full.put("__metadata__", m);
        full.putAll(header);
        byte[] json = Json.write(full).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // align the data to 8 bytes, padding with spaces
        ByteBuffer head = ByteBuffer.allocate(8 + json.length + pad).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(json.length + pad).put(json);
        for (int k = 0; k < pad; k++) {
            head.put((byte) ' ');
        }
        head.flip();
        data.flip();
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (head.hasRemaining()) {
                    ch.write(head);
                }
                while (data.hasRemaining()) {
                    ch.write(data);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // make the rename durable where the platform allows it
            } catch (IOException | UnsupportedOperationException ignored) {
                // Directories cannot be opened for syncing on every platform.
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads and verifies a checkpoint file.
     *
     * @throws CheckpointException for a truncated, corrupt or foreign file, naming what is wrong
     */
    @SuppressWarnings("unchecked")
    public static Checkpoint read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 8) {
            throw new CheckpointException(file + ": truncated (" + all.length + " bytes, no header length)");
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        if (n <= 0 || n > MAX_HEADER || 8 + n > all.length) {
            throw new CheckpointException(file + ": header length " + n + " does not fit a file of " + all.length
                    + " bytes (truncated or not a safetensors file)");
        }
        Map<String, Object> header;
        try {
            Object parsed = Json.parse(new String(all, 8, (int) n, StandardCharsets.UTF_8).trim());
            if (!(parsed instanceof Map)) {
                throw new IllegalArgumentException("header is not a JSON object");
            }
            header = (Map<String, Object>) parsed;
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": corrupt header: " + e.getMessage(), e);
        }
        Object metaObj = header.remove("__metadata__");
        if (!(metaObj instanceof Map)) {
            throw new CheckpointException(file + ": no __metadata__ (not an rnn4j checkpoint)");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        ((Map<String, Object>) metaObj).forEach((k, v) -> meta.put(k, String.valueOf(v)));
        if (!FORMAT.equals(meta.get("format"))) {
            throw new CheckpointException(file + ": format '" + meta.get("format") + "', expected '" + FORMAT + "'");
        }
        int dataStart = (int) (8 + n);
        int dataLen = all.length - dataStart;
        byte[] data = new byte[dataLen];
        System.arraycopy(all, dataStart, data, 0, dataLen);
        String want = meta.get("sha256");
        if (want == null || !want.equals(sha256(data))) {
            throw new CheckpointException(file + ": checksum mismatch (the data section is corrupt or truncated)");
        }
        ByteBuffer d = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            try {
                Map<String, Object> info = (Map<String, Object>) e.getValue();
                if (!"F32".equals(info.get("dtype"))) {
                    throw new IllegalArgumentException("dtype " + info.get("dtype") + " (only F32 is written)");
                }
                List<Object> shape = (List<Object>) info.get("shape");
                List<Object> off = (List<Object>) info.get("data_offsets");
                long begin = ((Number) off.get(0)).longValue();
                long end = ((Number) off.get(1)).longValue();
                long count = 1;
                long[] dims = new long[shape.size()];
                for (int k = 0; k < dims.length; k++) {
                    dims[k] = ((Number) shape.get(k)).longValue();
                    count *= dims[k];
                }
                if (begin < 0 || end > dataLen || end - begin != 4 * count) {
                    throw new IllegalArgumentException("offsets [" + begin + ", " + end + ") do not hold " + count
                            + " floats in " + dataLen + " bytes");
                }
                float[] v = new float[(int) count];
                d.position((int) begin);
                d.asFloatBuffer().get(v);
                tensors.put(e.getKey(), v);
                shapes.put(e.getKey(), dims);
            } catch (RuntimeException ex) {
                throw new CheckpointException(file + ": tensor '" + e.getKey() + "' is malformed: " + ex.getMessage(), ex);
            }
        }
        return new Checkpoint(tensors, shapes, meta);
    }

    /**
     * Restores a checkpoint into an existing trainer whose model has the same configuration:
     * parameters, optimizer state, step count and carried hidden state.
     *
     * @throws CheckpointException when the file's model or optimizer does not match the trainer's
     */
    public void restore(Trainer trainer) throws CheckpointException {
        RnnModel model = trainer.model();
        RnnConfig mine = model.config();
        RnnConfig theirs = modelConfig();
        if (!sameShape(mine, theirs)) {
            throw new CheckpointException("checkpoint model " + describe(theirs) + " does not match the trainer's "
                    + describe(mine));
        }
        TrainerConfig tc = trainerConfig();
        if (tc.optimizer().kind() != trainer.config().optimizer().kind()) {
            throw new CheckpointException("checkpoint optimizer " + tc.optimizer().kind() + " does not match the trainer's "
                    + trainer.config().optimizer().kind());
        }
        int h = mine.hiddenSize();
        int gh = mine.cell().gates() * h;
        Map<String, float[]> values = new LinkedHashMap<>();
        for (int l = 0; l < mine.layers(); l++) {
            int in = l == 0 ? mine.inputSize() : h;
            values.put(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l), need("rnn.weight_hh_l" + l));
            values.put(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l), transpose(need("rnn.weight_ih_l" + l), gh, in));
            if (mine.hiddenBias()) {
                float[] bi = need("rnn.bias_ih_l" + l);
                float[] bh = need("rnn.bias_hh_l" + l);
                if (bi.length != gh || bh.length != gh) {
                    throw new CheckpointException("bias_ih_l" + l + "/bias_hh_l" + l + " have " + bi.length + "/"
                            + bh.length + " values, expected " + gh);
                }
                if (mine.cell() == io.rnn4j.nn.CellType.GRU) {
                    // The GRU's recurrent bias sits inside r ⊙ (U_n h + b_hn): it stays separate.
                    values.put(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l), bi);
                    values.put(ParameterLayout.name(ParameterLayout.RECURRENT_BIAS, l), bh);
                } else {
                    float[] b = new float[gh];
                    for (int i = 0; i < gh; i++) {
                        b[i] = bi[i] + bh[i];
                    }
                    values.put(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l), b);
                }
            }
            if (model.layout().has(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l))) {
                values.put(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l),
                        need(l == 0 ? "rnn4j.prelu_slope" : "rnn4j.prelu_slope_l" + l));
            }
        }
        values.put(ParameterLayout.OUTPUT_WEIGHTS, need("fc.weight"));
        if (mine.outputBias()) {
            values.put(ParameterLayout.OUTPUT_BIAS, need("fc.bias"));
        }
        int states = trainer.config().optimizer().rule(Float.POSITIVE_INFINITY).stateTensors();
        float[][] st = new float[states][];
        for (int i = 0; i < states; i++) {
            st[i] = need("optimizer.state" + i);
            if (st[i].length != model.parameterCount()) {
                throw new CheckpointException("optimizer.state" + i + " has " + st[i].length + " values, the model has "
                        + model.parameterCount() + " parameters");
            }
        }
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            long want = model.layout().entry(e.getKey()).size();
            if (e.getValue().length != want) {
                throw new CheckpointException("tensor for " + e.getKey() + " has " + e.getValue().length
                        + " values, expected " + want);
            }
        }
        long step = step();
        // Everything checked: apply.
        values.forEach(model::setParameter);
        trainer.restoreOptimizer(step, st);
        float[] hidden = tensors.get("state.hidden");
        if (hidden != null) {
            int layers = mine.layers();
            trainer.setHiddenState(hidden.length / h / layers, hidden);
            float[] cellState = tensors.get("state.cell");
            if (cellState != null) {
                trainer.setCellState(cellState.length / h / layers, cellState);
            }
        } else {
            trainer.resetState();
        }
    }

    private float[] need(String name) throws CheckpointException {
        float[] v = tensors.get(name);
        if (v == null) {
            throw new CheckpointException("checkpoint lacks tensor '" + name + "'");
        }
        return v;
    }

    private static boolean sameShape(RnnConfig a, RnnConfig b) {
        return a.cell() == b.cell() && a.layers() == b.layers() && a.inputKind() == b.inputKind()
                && a.inputSize() == b.inputSize()
                && a.hiddenSize() == b.hiddenSize()
                && a.outputSize() == b.outputSize() && a.activation() == b.activation()
                && a.hiddenBias() == b.hiddenBias() && a.outputBias() == b.outputBias();
    }

    private static String describe(RnnConfig c) {
        return c.cell().name().toLowerCase() + "×" + c.layers() + " " + c.inputKind().name().toLowerCase() + " " + c.inputSize() + "→" + c.hiddenSize() + "→" + c.outputSize()
                + " " + c.activation().id() + (c.hiddenBias() ? " +b" : "") + (c.outputBias() ? " +c" : "");
    }

    /**
     * Creates a model and trainer on {@code backend} from a checkpoint file and restores them.
     * The caller closes both.
     */
    public static Trainer load(Path file, Backend backend) throws IOException {
        Checkpoint cp = read(file);
        RnnModel model = new RnnModel(backend, cp.modelConfig());
        Trainer trainer = new Trainer(model, cp.trainerConfig());
        try {
            cp.restore(trainer);
        } catch (CheckpointException e) {
            trainer.close();
            model.close();
            throw e;
        }
        return trainer;
    }
}

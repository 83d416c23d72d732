package io.rnn4j.io;

import io.rnn4j.backend.Backend;
import io.rnn4j.io.internal.ConfigCodec;
import io.rnn4j.internal.Json;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import io.rnn4j.train.TrainingState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training state in one safetensors file ({@link SafetensorsFile}), readable by the Python
 * {@code safetensors} package and so by PyTorch.
 *
 * <h2>Tensors</h2>
 * The model's parameters under PyTorch's {@code nn.RNN} / {@code nn.LSTM} / {@code nn.GRU} +
 * {@code nn.Linear} names ({@link PyTorchNames}: {@code rnn.weight_ih_l0}, {@code rnn.weight_hh_l0},
 * {@code rnn.bias_ih_l0}, {@code rnn.bias_hh_l0}, …, {@code fc.weight}, {@code fc.bias},
 * {@code rnn4j.prelu_slope}), and, also as tensors: {@code optimizer.state0}/{@code state1} (P floats
 * each, in parameter-arena order, as many as the optimizer has), {@code state.hidden} and
 * {@code state.cell} (L×B×H, the carried hidden state and an LSTM's cell state, as PyTorch's h_n and
 * c_n). In Python the model's weights load with
 * {@code model.load_state_dict({k: v for k, v in load_file(path).items() if k.startswith(("rnn.", "fc."))})}.
 *
 * <h2>Metadata ({@code __metadata__}, strings)</h2>
 * {@code format} = {@value #FORMAT}; {@code model} and {@code trainer}: the configurations as JSON;
 * {@code step}: updates applied; {@code learningRate}: the rate the next update uses (the schedule's
 * value, which a resumed run recomputes from the step); {@code sha256}: the SHA-256 of the whole file (header and data),
 * verified on load; plus any caller entries (e.g. {@code vocabulary} or an RNG state).
 *
 * <p>Loading checks everything before anything is used: the checksum, the configurations, every
 * tensor's presence, shape and finiteness against the configuration. A failed {@link #restore}
 * changes nothing; a failed {@link #load} closes what it created. Saving refuses non-finite values.
 * Files of the first format ({@value #FORMAT_1}, whose checksum covers the data only) still load,
 * with a warning.
 */
public final class Checkpoint {
    /** The value of the {@code format} metadata entry. */
    public static final String FORMAT = "rnn4j-checkpoint/2";
    /** The format of rnn4j 0.1: the same layout, a checksum over the data section only. */
    public static final String FORMAT_1 = "rnn4j-checkpoint/1";
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
    private static final Set<String> RESERVED =
            Set.of("format", "model", "trainer", "step", "learningRate", "backend", SafetensorsFile.CHECKSUM);

    private final Path file;
    private final Map<String, SafetensorsFile.Entry> entries;
    private final Map<String, String> metadata;

    private Checkpoint(Path file, Map<String, SafetensorsFile.Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** {@return every tensor by name (row-major floats)} */
    public Map<String, float[]> tensors() {
        Map<String, float[]> out = new LinkedHashMap<>();
        entries.forEach((k, v) -> out.put(k, v.data()));
        return out;
    }

    /**
     * The shape of a tensor.
     *
     * @param name the tensor's name
     * @return its shape
     * @throws IllegalArgumentException when there is no such tensor
     */
    public long[] shape(String name) {
        SafetensorsFile.Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file);
        }
        return e.shape().clone();
    }

    /** {@return the metadata entries} */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * {@return the model configuration stored in the file}
     *
     * @throws CheckpointException when the entry is missing or invalid
     */
    public RnnConfig modelConfig() throws CheckpointException {
        return parseConfig("model", ConfigCodec::rnnConfig);
    }

    /**
     * {@return the training configuration stored in the file}
     *
     * @throws CheckpointException when the entry is missing or invalid
     */
    public TrainerConfig trainerConfig() throws CheckpointException {
        return parseConfig("trainer", ConfigCodec::trainerConfig);
    }

    /**
     * {@return updates applied when the checkpoint was written}
     *
     * @throws CheckpointException when the entry is missing or invalid
     */
    public long step() throws CheckpointException {
        try {
            long s = Long.parseLong(metadata.getOrDefault("step", ""));
            if (s < 0) {
                throw new NumberFormatException();
            }
            return s;
        } catch (NumberFormatException e) {
            throw new CheckpointException(file + ": metadata has no valid 'step'");
        }
    }

    @SuppressWarnings("unchecked")
    private <T> T parseConfig(String key, Function<Map<String, Object>, T> parser) throws CheckpointException {
        String json = metadata.get(key);
        if (json == null) {
            throw new CheckpointException(file + ": metadata has no '" + key + "' configuration");
        }
        try {
            Object m = Json.parse(json);
            if (!(m instanceof Map)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return parser.apply((Map<String, Object>) m);
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": the '" + key + "' configuration is invalid: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes the trainer's model, optimizer state, step and carried state, plus
     * {@code extraMetadata}, atomically to {@code file}.
     *
     * @param file the file to write (its folder must exist)
     * @param trainer the trainer to save, with its model
     * @param extraMetadata more metadata (string keys and values), or null
     * @throws IOException when the file cannot be written
     * @throws CheckpointException when a value is NaN or infinite, or the header would be larger than
     *     {@link SafetensorsFile#MAX_HEADER} (nothing is written)
     * @throws IllegalArgumentException when an extra metadata key is reserved, or a key or value is
     *     null or holds a lone UTF-16 surrogate (nothing is written)
     */
    public static void save(Path file, Trainer trainer, Map<String, String> extraMetadata) throws IOException {
        Map<String, String> extra = extraMetadata == null ? Map.of() : new LinkedHashMap<>(extraMetadata);
        for (Map.Entry<String, String> e : extra.entrySet()) {
            SafetensorsFile.checkText("a metadata key", e.getKey());
            if (RESERVED.contains(e.getKey())) {
                throw new IllegalArgumentException("metadata key '" + e.getKey() + "' is reserved");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata '" + e.getKey() + "' has a null value (metadata values are"
                        + " strings; nothing was written)");
            }
            SafetensorsFile.checkText("the value of metadata '" + e.getKey() + "'", e.getValue());
        }
        RnnModel model = trainer.model();
        RnnConfig c = model.config();
        List<SafetensorsFile.Entry> tensors = new ArrayList<>(PyTorchNames.export(model));
        TrainingState state = trainer.snapshot();
        for (int i = 0; i < state.optimizerStates().length; i++) {
            float[] s = state.optimizerStates()[i];
            tensors.add(new SafetensorsFile.Entry("optimizer.state" + i, new long[] {s.length}, s));
        }
        long[] stateShape = {(long) c.layers() * c.directions(), state.batchSize(), c.hiddenSize()};
        if (state.hidden().length > 0) {
            tensors.add(new SafetensorsFile.Entry("state.hidden", stateShape, state.hidden()));
        }
        if (state.cell().length > 0) {
            tensors.add(new SafetensorsFile.Entry("state.cell", stateShape, state.cell()));
        }
        for (SafetensorsFile.Entry e : tensors) {
            float[] v = e.data();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new CheckpointException("not saved: tensor '" + e.name() + "' holds " + v[i] + " at index " + i
                            + " (a checkpoint of non-finite values could not be resumed)");
                }
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("model", Json.write(ConfigCodec.toMap(c)));
        meta.put("trainer", Json.write(ConfigCodec.toMap(trainer.config())));
        meta.put("step", Long.toString(trainer.stepCount()));
        meta.put("learningRate", Double.toString(trainer.learningRate()));
        // Provenance: the backend and kernel path that trained it (results differ between kernel paths by
        // float rounding, which a long or chaotic run amplifies).
        meta.put("backend", model.backend().description());
        meta.putAll(extra);
        SafetensorsFile.write(file, tensors, meta, true);
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads and verifies a checkpoint file.
     *
     * @param file the checkpoint
     * @return its contents, verified
     * @throws IOException when the file cannot be read
     * @throws CheckpointException for a truncated, corrupt or foreign file, naming what is wrong
     */
    public static Checkpoint read(Path file) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            Map<String, String> meta = r.metadata();
            String format = meta.get("format");
            if (format == null) {
                throw new CheckpointException(file + ": no rnn4j format in the metadata (not an rnn4j checkpoint; a"
                        + " PyTorch state dict imports with Checkpoint.importPyTorch)");
            }
            if (!FORMAT.equals(format) && !FORMAT_1.equals(format)) {
                throw new CheckpointException(file + ": format '" + format + "', expected '" + FORMAT + "'");
            }
            // The layout against the file's own configuration, before any data is read: a file whose
            // tensors could not belong to its model is refused without reading them.
            Checkpoint header = new Checkpoint(file, Map.of(), meta);
            RnnConfig config = header.modelConfig();
            TrainerConfig tc = header.trainerConfig();
            try {
                CheckpointLayout.check(config, tc, r.shapes());
            } catch (CheckpointException e) {
                throw new CheckpointException(file + ": the file was changed or is corrupt: its tensors do not match"
                        + " its own configuration: " + e.getMessage(), e);
            }
            SafetensorsFile.Contents c = r.read(FORMAT_1.equals(format));
            if (FORMAT.equals(format)) {
                if (!c.checksumOk()) {
                    throw new CheckpointException(file + ": checksum mismatch (the file was changed or is corrupt)");
                }
            } else {
                if (!c.dataChecksum().equals(meta.get(SafetensorsFile.CHECKSUM))) {
                    throw new CheckpointException(file + ": checksum mismatch (the data section is corrupt)");
                }
                LOG.warn("{} was written by rnn4j 0.1: its checksum does not cover its header (its metadata, step and"
                        + " learning rate are not protected)", file);
            }
            return new Checkpoint(file, c.tensors(), meta);
        }
    }

    /**
     * Restores the checkpoint into a trainer whose model has the same configuration: parameters,
     * optimizer state, step count and carried state. Everything is checked first; a failure
     * throws and leaves the trainer and its model unchanged.
     *
     * @param trainer the trainer to restore into
     * @throws CheckpointException when the file's model or optimizer does not match the trainer's, or
     *     a tensor is missing, misshapen or not finite
     */
    public void restore(Trainer trainer) throws CheckpointException {
        RnnModel model = trainer.model();
        RnnConfig mine = model.config();
        RnnConfig theirs = modelConfig();
        if (!CheckpointLayout.sameShape(mine, theirs)) {
            throw new CheckpointException(file + ": checkpoint model " + CheckpointLayout.describe(theirs)
                    + " does not match the trainer's " + CheckpointLayout.describe(mine));
        }
        TrainerConfig tc = trainerConfig();
        if (tc.optimizer().kind() != trainer.config().optimizer().kind()
                || tc.optimizer().rule().stateTensors() != trainer.config().optimizer().rule().stateTensors()) {
            throw new CheckpointException(file + ": checkpoint optimizer " + tc.optimizer()
                    + " does not match the trainer's " + trainer.config().optimizer()
                    + " (their kinds or state arenas differ)");
        }
        Map<String, float[]> values = PyTorchNames.parameters(mine, entries, PyTorchNames.RNN, PyTorchNames.HEAD);
        TrainingState state = trainingState(trainer, mine);
        try {
            trainer.restore(state); // checked completely before it changes anything
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
        values.forEach(model::setParameter); // shapes and values were checked above
    }

    private TrainingState trainingState(Trainer trainer, RnnConfig c) throws CheckpointException {
        int states = trainer.config().optimizer().rule(Float.POSITIVE_INFINITY).stateTensors();
        float[][] st = new float[states][];
        for (int i = 0; i < states; i++) {
            st[i] = PyTorchNames.need(entries, "optimizer.state" + i, trainer.model().parameterCount());
        }
        SafetensorsFile.Entry hidden = entries.get("state.hidden");
        int batch = 0;
        float[] h = new float[0];
        float[] cell = new float[0];
        if (hidden != null) {
            long[] s = hidden.shape();
            String wrong = CheckpointLayout.hiddenShapeError(c, s);
            if (wrong != null) {
                throw new CheckpointException(file + ": " + wrong);
            }
            batch = (int) s[1];
            h = PyTorchNames.need(entries, "state.hidden", s);
            if (entries.containsKey("state.cell")) {
                cell = PyTorchNames.need(entries, "state.cell", s);
            }
        }
        return new TrainingState(step(), st, batch, h, cell);
    }

    /**
     * Creates a model and trainer on {@code backend} from a checkpoint file and restores them. The
     * tensors are checked against the stored configuration before anything is allocated; on any
     * failure what was created is closed. The caller closes both.
     *
     * @param file the checkpoint
     * @param backend where the model is created
     * @throws IOException when the file cannot be read or is not a valid checkpoint
     * @return the trainer; its {@link Trainer#model()} is the restored model
     */
    public static Trainer load(Path file, Backend backend) throws IOException {
        Checkpoint cp = read(file);
        RnnConfig config = cp.modelConfig();
        TrainerConfig tc = cp.trainerConfig();
        PyTorchNames.parameters(config, cp.entries, PyTorchNames.RNN, PyTorchNames.HEAD);
        RnnModel model = new RnnModel(backend, config);
        Trainer trainer = null;
        try {
            trainer = new Trainer(model, tc);
            cp.restore(trainer);
            return trainer;
        } catch (Throwable t) {
            if (trainer != null) {
                trainer.close();
            }
            model.close();
            throw t;
        }
    }

    /**
     * Imports the weights of a PyTorch model saved with safetensors (no rnn4j metadata needed) into a
     * new model of {@code config} on {@code backend}: {@code {rnnPrefix}weight_ih_l0}, …,
     * {@code {headPrefix}weight}, … as in {@link PyTorchNames}, F32 or F64. Every tensor the
     * configuration needs must be there with its exact shape and finite values, and every tensor under
     * the prefixes must have a place in the model (PyTorch's {@code strict=True}: a 2-layer file does not
     * load into a 1-layer model; {@link #importPyTorch(Path, RnnConfig, Backend, String, String, boolean)}
     * can ignore them). The layout is checked before any data is read. The Elman and LSTM biases
     * {@code bias_ih + bias_hh} are summed. The caller closes the model.
     *
     * @param file the safetensors file
     * @param config the model's configuration (must match the file's shapes)
     * @param backend where the model is created
     * @return the model
     * @throws IOException when the file cannot be read
     * @param rnnPrefix the recurrent module's name with its dot, e.g. {@code "rnn."} or {@code "lstm."}
     * @param headPrefix the output layer's name with its dot, e.g. {@code "fc."}
     * @throws CheckpointException naming the tensor that is missing, misshapen, not finite or without a place
     */
    public static RnnModel importPyTorch(Path file, RnnConfig config, Backend backend, String rnnPrefix,
                                         String headPrefix) throws IOException {
        return importPyTorch(file, config, backend, rnnPrefix, headPrefix, true);
    }

    /**
     * {@link #importPyTorch(Path, RnnConfig, Backend, String, String)}, strict or not.
     *
     * @param file the safetensors file
     * @param config the model's configuration (must match the file's shapes)
     * @param backend where the model is created
     * @param rnnPrefix the recurrent module's name with its dot
     * @param headPrefix the output layer's name with its dot
     * @param strict true: a tensor under the prefixes without a place in the model is refused; false: it is
     *     ignored (PyTorch's {@code strict=False} for unexpected names; missing tensors are refused either way)
     * @return the model
     * @throws IOException when the file cannot be read or does not match
     */
    public static RnnModel importPyTorch(Path file, RnnConfig config, Backend backend, String rnnPrefix,
                                         String headPrefix, boolean strict) throws IOException {
        Map<String, float[]> values;
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            try {
                PyTorchNames.checkLayout(config, r.shapes(), rnnPrefix, headPrefix, strict, Set.of());
            } catch (CheckpointException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
            values = PyTorchNames.parameters(config, r.read(false).tensors(), rnnPrefix, headPrefix);
        } catch (CheckpointException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new CheckpointException(file + ": " + e.getMessage(), e);
        }
        RnnModel model = new RnnModel(backend, config);
        try {
            values.forEach(model::setParameter);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * {@link #importPyTorch(Path, RnnConfig, Backend, String, String)} with rnn4j's own prefixes {@code rnn.} and {@code fc.}.
     *
     * @param file the safetensors file
     * @param config the model's configuration
     * @param backend where the model is created
     * @return the model
     * @throws IOException when the file cannot be read or does not match
     */
    public static RnnModel importPyTorch(Path file, RnnConfig config, Backend backend) throws IOException {
        return importPyTorch(file, config, backend, PyTorchNames.RNN, PyTorchNames.HEAD);
    }
}

package io.rnn4j.nn;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A recurrent network with one or more layers of Elman, LSTM or GRU cells ({@link RnnConfig#cell()},
 * {@link RnnConfig#layers()}) and a linear head: for the Elman cell {@code s_t = U h_{t−1} + W x_t (+ b)},
 * {@code h_t = f(s_t)}, {@code z_t = V h_t (+ c)}; the gated cells are in {@link CellType}. Owns its parameter arena on
 * a backend; training is done by {@link io.rnn4j.train.Trainer}.
 *
 * <p>Parameter names and storage (row-major):
 * <ul>
 *   <li>{@code recurrentWeights} — U, G·H×H (G gate blocks of H rows in PyTorch's order: i, f, g, o
 *       for the LSTM, r, z, n for the GRU), as written: {@code s += U h}. (PyTorch {@code weight_hh_l0}.)</li>
 *   <li>{@code inputWeights} — W stored <b>transposed</b>, D×G·H (row {@code i} is column {@code i}
 *       of W, i.e. the embedding of token {@code i}). (PyTorch {@code weight_ih_l0} is its transpose.)</li>
 *   <li>{@code hiddenBias} — b, 1×G·H. (Elman and LSTM: PyTorch splits it into
 *       {@code bias_ih_l0 + bias_hh_l0}; GRU: {@code bias_ih_l0}.)</li>
 *   <li>{@code recurrentBias} — GRU only, 1×3H, the bias inside the recurrent term
 *       (PyTorch {@code bias_hh_l0}).</li>
 *   <li>{@code outputWeights} — V, O×H: {@code z = V h}. (PyTorch {@code nn.Linear.weight}.)</li>
 *   <li>{@code outputBias} — c, 1×O. (PyTorch {@code nn.Linear.bias}.)</li>
 *   <li>{@code preluSlope} — a, 1×H, PReLU only.</li>
 * </ul>
 * Not thread-safe; close it to release the arena (idempotent).
 */
public final class RnnModel implements AutoCloseable {
    private final Backend backend;
    private final RnnConfig config;
    private final Arena parameters;

    /**
     * Creates the model on {@code backend} and initializes it from {@code config.seed()}.
     *
     * @param backend where the parameters live and the kernels run
     * @param config the architecture and its initialization
     */
    public RnnModel(Backend backend, RnnConfig config) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.config = Objects.requireNonNull(config, "config");
        this.parameters = new Arena(backend, ParameterLayout.of(config));
        initialize();
    }

    private void initialize() {
        int h = config.hiddenSize();
        int d = config.inputSize();
        int o = config.outputSize();
        int g = config.cell().gates();
        // One independent stream per matrix, so changing one initializer leaves the others unchanged.
        SplittableRandom root = new SplittableRandom(config.seed());
        SplittableRandom rU = root.split();
        SplittableRandom rW = root.split();
        SplittableRandom rV = root.split();
        int dirs = config.directions();
        for (int l = 0; l < config.layers(); l++) {
            for (int dir = 0; dir < dirs; dir++) {
                // U is G blocks of H×H, one per gate, each initialized on its own (orthogonal and identity per block).
                float[] u = new float[g * h * h];
                for (int k = 0; k < g; k++) {
                    System.arraycopy(config.recurrentInit().fill(h, h, h, h, h, rU), 0, u, k * h * h, h * h);
                }
                parameters.upload(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l, dir), u);
                // W is stored as D×G·H (dirs·H×G·H above layer 0); Glorot fans are those of each gate map.
                int in = l == 0 ? d : dirs * h;
                Init wInit = l == 0 || config.inputInit().kind() != Init.Kind.IDENTITY ? config.inputInit()
                        : Init.glorot();
                parameters.upload(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l, dir),
                        wInit.fill(in, g * h, h, in, h, rW));
                float[] bias = config.cell().implementation().initialHiddenBias(config);
                if (bias != null && config.hiddenBias()) {
                    parameters.upload(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l, dir), bias);
                }
                if (config.activation() == Activation.PRELU) {
                    float[] a = new float[h];
                    java.util.Arrays.fill(a, config.preluSlope());
                    parameters.upload(ParameterLayout.name(ParameterLayout.PRELU_SLOPE, l, dir), a);
                }
            }
        }
        parameters.upload(ParameterLayout.OUTPUT_WEIGHTS, config.outputInit().fill(o, dirs * h, h, dirs * h, o, rV));
        // Biases start at zero (the arena is zero-filled).
    }

    /**
     * {@return the backend the parameters live on}
     */
    public Backend backend() {
        return backend;
    }

    /**
     * {@return the configuration}
     */
    public RnnConfig config() {
        return config;
    }

    /** {@return the parameter arena (views by name; {@link Arena#all()} for the whole)} */
    public Arena parameters() {
        return parameters;
    }

    /** {@return the layout shared by parameters, gradients and optimizer state} */
    public ParameterLayout layout() {
        return parameters.layout();
    }

    /** {@return total number of trainable parameters} */
    public long parameterCount() {
        return parameters.layout().size();
    }

    /**
     * Downloads one parameter by name (row-major).
     *
     * @param name a name of {@link #layout()}
     * @return a host copy of the parameter, row-major
     */
    public float[] parameter(String name) {
        return parameters.download(name);
    }

    /**
     * Replaces one parameter by name (row-major, exactly its size; values must be finite).
     *
     * @param name a name of {@link #layout()}
     * @param values the values, row-major, of the parameter's exact size and finite
     */
    public void setParameter(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("parameter '" + name + "' value " + values[i] + " at index " + i
                        + " is not finite");
            }
        }
        parameters.upload(name, values);
    }

    /**
     * The view of a parameter, or null if absent (for code that runs kernels on it).
     *
     * @param name a name of {@link #layout()}
     * @return the parameter's view on the backend (not a copy)
     */
    public Tensor view(String name) {
        return parameters.viewOrNull(name);
    }

    @Override
    public void close() {
        parameters.close();
    }
}

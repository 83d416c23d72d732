package io.rnn4j.nn;

import io.rnn4j.backend.Activation;

/**
 * The shape and initialization of an Elman RNN:
 * {@code s_t = U h_{t−1} + W x_t (+ b)}, {@code h_t = f(s_t)}, {@code z_t = V h_t (+ c)}.
 *
 * @param inputKind tokens (inputSize = vocabulary V) or dense vectors (inputSize = D)
 * @param inputSize V or D, at least 1
 * @param hiddenSize H, at least 1
 * @param outputSize O (the vocabulary for a language model, the regression width otherwise)
 * @param activation f
 * @param hiddenBias whether {@code b} exists (default true)
 * @param outputBias whether {@code c} exists (default true)
 * @param recurrentInit initializer of U (default uniform ±1/√H)
 * @param inputInit initializer of W (default uniform ±1/√H)
 * @param outputInit initializer of V (default uniform ±1/√H)
 * @param preluSlope initial PReLU slope of every unit (default 0.25; only used by PReLU)
 * @param seed seed of every random initializer (default 1)
 * @param cell Elman, LSTM or GRU (default Elman); gated cells use their own σ and tanh and need
 *     {@code activation} tanh
 * @param forgetBias initial bias of the LSTM forget gate (default 1, so that the cell starts by
 *     remembering); ignored by the other cells
 * @param layers stacked recurrent layers (default 1); layer l &gt; 0 reads the hidden states of
 *     layer l − 1, the head reads the top layer
 * @param bidirectional a forward and a reverse direction in every layer (PyTorch's
 *     {@code bidirectional=True}): the reverse direction runs each sequence from its own last step
 *     down, the two outputs are concatenated (2H) for the next layer and the head (default false)
 */
public record RnnConfig(InputKind inputKind, int inputSize, int hiddenSize, int outputSize,
                        Activation activation, boolean hiddenBias, boolean outputBias,
                        Init recurrentInit, Init inputInit, Init outputInit,
                        float preluSlope, long seed, CellType cell, float forgetBias, int layers,
                        boolean bidirectional) {

    /**
     * Checks the components.
     *
     * @param inputKind tokens (inputSize = vocabulary V) or dense vectors (inputSize = D)
     * @param inputSize V or D, at least 1
     * @param hiddenSize H, at least 1
     * @param outputSize O (the vocabulary for a language model, the regression width otherwise)
     * @param activation f
     * @param hiddenBias whether {@code b} exists (default true)
     * @param outputBias whether {@code c} exists (default true)
     * @param recurrentInit initializer of U (default uniform ±1/√H)
     * @param inputInit initializer of W (default uniform ±1/√H)
     * @param outputInit initializer of V (default uniform ±1/√H)
     * @param preluSlope initial PReLU slope of every unit (default 0.25; only used by PReLU)
     * @param seed seed of every random initializer (default 1)
     * @param cell Elman, LSTM or GRU (default Elman); gated cells use their own σ and tanh and need
     *     {@code activation} tanh
     * @param forgetBias initial bias of the LSTM forget gate (default 1, so that the cell starts by
     *     remembering); ignored by the other cells
     * @param layers stacked recurrent layers (default 1); layer l &gt; 0 reads the hidden states of
     *     layer l − 1, the head reads the top layer
     * @param bidirectional a forward and a reverse direction in every layer (PyTorch's
     *     {@code bidirectional=True}): the reverse direction runs each sequence from its own last step
     *     down, the two outputs are concatenated (2H) for the next layer and the head (default false)
     */
    public RnnConfig {
        if (inputKind == null || activation == null || recurrentInit == null || inputInit == null
                || outputInit == null || cell == null) {
            throw new IllegalArgumentException("RnnConfig: inputKind, activation, cell and initializers must be set");
        }
        if (!cell.implementation().supports(activation)) {
            throw new IllegalArgumentException(cell + " uses the logistic for its gates and tanh for its state; the"
                    + " activation must be tanh, got " + activation.id());
        }
        if (layers < 1) {
            throw new IllegalArgumentException("layers must be at least 1, got " + layers);
        }
        if (!Float.isFinite(forgetBias)) {
            throw new IllegalArgumentException("forget-gate bias must be finite, got " + forgetBias);
        }
        positive("input size", inputSize);
        positive("hidden size", hiddenSize);
        positive("output size", outputSize);
        if (!Float.isFinite(preluSlope)) {
            throw new IllegalArgumentException("PReLU slope must be finite, got " + preluSlope);
        }
        if (inputInit.kind() == Init.Kind.IDENTITY && (inputSize != hiddenSize || cell.gates() != 1)) {
            throw new IllegalArgumentException("identity input initializer needs an Elman cell with inputSize == hiddenSize");
        }
        if (outputInit.kind() == Init.Kind.IDENTITY && outputSize != (bidirectional ? 2 : 1) * hiddenSize) {
            throw new IllegalArgumentException("identity output initializer needs outputSize == hiddenSize"
                    + (bidirectional ? " × 2 (bidirectional)" : ""));
        }
    }

    /** {@return directions per layer: 2 when bidirectional, else 1} */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    private static void positive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + v);
        }
    }

    /**
     * A builder for a token-input model: vocabulary {@code vocab} in and out, hidden size {@code hidden}.
     *
     * @param vocab V, at least 1
     * @param hidden H, at least 1
     * @return the builder
     */
    public static Builder tokens(int vocab, int hidden) {
        return new Builder(InputKind.TOKENS, vocab, hidden, vocab);
    }

    /**
     * A builder for a dense-input model with {@code inputs} features and {@code outputs} outputs.
     *
     * @param inputs D, at least 1
     * @param hidden H, at least 1
     * @param outputs O, at least 1
     * @return the builder
     */
    public static Builder dense(int inputs, int hidden, int outputs) {
        return new Builder(InputKind.DENSE, inputs, hidden, outputs);
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        Builder b = new Builder(inputKind, inputSize, hiddenSize, outputSize);
        b.activation = activation;
        b.hiddenBias = hiddenBias;
        b.outputBias = outputBias;
        b.recurrentInit = recurrentInit;
        b.inputInit = inputInit;
        b.outputInit = outputInit;
        b.preluSlope = preluSlope;
        b.seed = seed;
        b.cell = cell;
        b.forgetBias = forgetBias;
        b.layers = layers;
        b.bidirectional = bidirectional;
        return b;
    }

    /** Builder with the documented defaults. */
    public static final class Builder {
        private final InputKind inputKind;
        private final int inputSize;
        private final int hiddenSize;
        private int outputSize;
        private Activation activation = Activation.TANH;
        private boolean hiddenBias = true;
        private boolean outputBias = true;
        private Init recurrentInit = Init.uniformInvSqrtHidden();
        private Init inputInit = Init.uniformInvSqrtHidden();
        private Init outputInit = Init.uniformInvSqrtHidden();
        private float preluSlope = 0.25f;
        private long seed = 1;
        private CellType cell = CellType.ELMAN;
        private float forgetBias = 1f;
        private int layers = 1;
        private boolean bidirectional;

        private Builder(InputKind kind, int in, int hidden, int out) {
            this.inputKind = kind;
            this.inputSize = in;
            this.hiddenSize = hidden;
            this.outputSize = out;
        }

        /**
         * The output width O (a token model defaults to V; set it for classification).
         *
         * @param o O, at least 1
         * @return this builder
         */
        public Builder outputSize(int o) {
            this.outputSize = o;
            return this;
        }

        /**
         * The Elman activation f (default tanh; the gated cells use their own).
         *
         * @param f the activation
         * @return this builder
         */
        public Builder activation(Activation f) {
            this.activation = f;
            return this;
        }

        /**
         * Both biases on or off.
         *
         * @param on true for both biases (the default)
         * @return this builder
         */
        public Builder biases(boolean on) {
            this.hiddenBias = on;
            this.outputBias = on;
            return this;
        }

        /**
         * Whether the recurrent layers have the bias b (default true).
         *
         * @param on true for a bias
         * @return this builder
         */
        public Builder hiddenBias(boolean on) {
            this.hiddenBias = on;
            return this;
        }

        /**
         * Whether the head has the bias c (default true).
         *
         * @param on true for a bias
         * @return this builder
         */
        public Builder outputBias(boolean on) {
            this.outputBias = on;
            return this;
        }

        /**
         * The initializer of the recurrent weights U (default uniform ±1/√H).
         *
         * @param i the initializer
         * @return this builder
         */
        public Builder recurrentInit(Init i) {
            this.recurrentInit = i;
            return this;
        }

        /**
         * The initializer of the input weights W (default uniform ±1/√H).
         *
         * @param i the initializer
         * @return this builder
         */
        public Builder inputInit(Init i) {
            this.inputInit = i;
            return this;
        }

        /**
         * The initializer of the output weights V (default uniform ±1/√H).
         *
         * @param i the initializer
         * @return this builder
         */
        public Builder outputInit(Init i) {
            this.outputInit = i;
            return this;
        }

        /**
         * The same initializer for U, W and V.
         *
         * @param i the initializer
         * @return this builder
         */
        public Builder init(Init i) {
            this.recurrentInit = i;
            this.inputInit = i;
            this.outputInit = i;
            return this;
        }

        /**
         * The initial PReLU slope of every unit (default 0.25).
         *
         * @param a the slope
         * @return this builder
         */
        public Builder preluSlope(float a) {
            this.preluSlope = a;
            return this;
        }

        /**
         * The seed of every random initializer (default 1).
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * The cell type (Elman, LSTM, GRU).
         *
         * @param c the cell (default Elman)
         * @return this builder
         */
        public Builder cell(CellType c) {
            this.cell = c;
            return this;
        }

        /**
         * Stacked recurrent layers (default 1).
         *
         * @param n L, at least 1
         * @return this builder
         */
        public Builder layers(int n) {
            this.layers = n;
            return this;
        }

        /**
         * A forward and a reverse direction in every layer (default false).
         *
         * @param on true for two directions
         * @return this builder
         */
        public Builder bidirectional(boolean on) {
            this.bidirectional = on;
            return this;
        }

        /**
         * The LSTM forget-gate bias at initialization (default 1).
         *
         * @param b the bias
         * @return this builder
         */
        public Builder forgetBias(float b) {
            this.forgetBias = b;
            return this;
        }

        /**
         * {@return the configuration}
         *
         * @throws IllegalArgumentException naming the field that is out of range or inconsistent
         */
        public RnnConfig build() {
            return new RnnConfig(inputKind, inputSize, hiddenSize, outputSize, activation, hiddenBias,
                    outputBias, recurrentInit, inputInit, outputInit, preluSlope, seed, cell, forgetBias, layers,
                    bidirectional);
        }
    }
}

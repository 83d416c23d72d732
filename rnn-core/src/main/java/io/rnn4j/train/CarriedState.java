package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.LayerBuffers;

/**
 * The initial states of the next batch: h (and the LSTM's c), {@code (L·D)·B × H} each, one slot of B
 * rows per layer and direction, layer 0 forward first (as PyTorch's {@code h_n}). With truncated BPTT each batch's final states (at each
 * sequence's last valid step) become the next batch's initial states; otherwise they stay as set
 * (zeros unless set).
 */
final class CarriedState implements AutoCloseable {
    private static final String[] NAMES = {"hidden state", "cell state"};
    private final Backend backend;
    private final String model;
    private final int layers;
    private final int hiddenSize;
    private final Tensor[] initial;
    /** {@code at[k][l]}: layer l's rows of state k. */
    private Tensor[][] at;
    private boolean zero = true;

    CarriedState(Backend backend, String model, int layers, int hiddenSize, int count) {
        this.backend = backend;
        this.model = model;
        this.layers = layers;
        this.hiddenSize = hiddenSize;
        this.initial = new Tensor[count];
    }

    /**
     * Refuses carrying a state where it means nothing.
     *
     * @throws IllegalArgumentException for a carried state with a bidirectional model
     */
    static void requireSupported(TrainerConfig config, io.rnn4j.nn.RnnConfig mc) {
        if (config.carryState() && mc.bidirectional()) {
            throw new IllegalArgumentException("truncated BPTT with a carried state is not meaningful for a"
                    + " bidirectional model: its reverse direction would need the steps of the next window; train it"
                    + " on whole sequences (carryState(false))");
        }
    }

    /**
     * Refuses a batch of another size while a non-zero state is carried.
     *
     * @throws IllegalArgumentException naming both sizes
     */
    void requireBatch(int batchSize, boolean carrying) {
        if (carrying && exists() && batch() != batchSize && !zero) {
            throw new IllegalArgumentException("the carried hidden state is for B = " + batch()
                    + " sequences but the batch has B = " + batchSize + "; call resetState() first");
        }
    }

    /** Whether the states exist (after the first batch or a set). */
    boolean exists() {
        return initial[0] != null;
    }

    /** The first state tensor (its identity changes when the states are reallocated), or null before they exist. */
    Object buffers() {
        return initial[0];
    }

    /** Whether the states are known to be zeros. */
    boolean isZero() {
        return zero;
    }

    /** B of the state tensors, or 0 before they exist. */
    int batch() {
        return exists() ? initial[0].rows() / layers : 0;
    }

    /** The number of states (1, or 2 for the LSTM). */
    int count() {
        return initial.length;
    }

    /**
     * Makes the states hold {@code batchSize} sequences. Replacing non-zero states of another batch
     * size needs {@code replacing} (the caller is about to set them); otherwise it is refused.
     */
    void ensure(int batchSize, boolean replacing) {
        if (exists() && batch() == batchSize) {
            return;
        }
        if (exists() && !zero && !replacing) {
            throw new IllegalArgumentException("the carried hidden state is for B = " + batch()
                    + " sequences but the batch has B = " + batchSize + "; call resetState() first");
        }
        close();
        at = new Tensor[initial.length][layers];
        for (int k = 0; k < initial.length; k++) {
            initial[k] = backend.allocate(layers * batchSize, hiddenSize);
            for (int l = 0; l < layers; l++) {
                at[k][l] = initial[k].rows(l * batchSize, batchSize);
            }
        }
        zero = true;
    }

    /** Sets every state to zeros. */
    void reset() {
        for (Tensor t : initial) {
            if (t != null) {
                backend.fill(t, 0f);
            }
        }
        zero = true;
    }

    /** State {@code k} as a host array (empty before the states exist). */
    float[] download(int k) {
        if (k >= initial.length || initial[k] == null) {
            return new float[0];
        }
        float[] out = new float[(int) initial[k].size()];
        backend.download(initial[k], out, 0);
        return out;
    }

    /**
     * Checks values for state {@code k} (0 hidden, 1 cell) of {@code batchSize} sequences: the model
     * has that state, {@code L·B·H} values, all finite. Changes nothing.
     */
    void check(int k, int batchSize, float[] values) {
        if (k >= initial.length) {
            throw new IllegalArgumentException("only an LSTM has a cell state; this model is " + model);
        }
        String what = NAMES[k];
        int h = hiddenSize;
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (values.length != (long) layers * batchSize * h) {
            throw new IllegalArgumentException(what + " must have L·B·H = " + layers + "·" + batchSize + "·" + h
                    + " values (layer-major), got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(what + " value " + values[i] + " at (layer " + (i / h / batchSize)
                        + ", batch " + (i / h % batchSize) + ", unit " + (i % h) + ") is not finite");
            }
        }
    }

    /** Checks the carried part of a {@link TrainingState}; changes nothing. */
    void check(TrainingState s) {
        if (s.hidden().length > 0) {
            check(0, s.batchSize(), s.hidden());
        }
        if (s.cell().length > 0) {
            if (s.hidden().length == 0) {
                throw new IllegalArgumentException("a cell state without a hidden state");
            }
            check(1, s.batchSize(), s.cell());
        }
    }

    /** Sets the carried part of a checked {@link TrainingState}; an empty one resets to zeros. */
    void apply(TrainingState s) {
        if (s.hidden().length == 0) {
            reset();
            return;
        }
        upload(0, s.batchSize(), s.hidden());
        if (s.cell().length > 0) {
            upload(1, s.batchSize(), s.cell());
        }
    }

    /** Sets state {@code k} from checked values for {@code batchSize} sequences. */
    void upload(int k, int batchSize, float[] values) {
        ensure(batchSize, !exists() || batch() != batchSize);
        backend.upload(values, 0, initial[k]);
        zero = false;
    }

    /** Copies slot {@code l}'s initial states into block 0 of a direction's buffers. */
    void copyInto(LayerBuffers buf, int l) {
        for (int k = 0; k < initial.length; k++) {
            backend.copy(at[k][l], buf.stateFirst(k));
        }
    }

    /** Takes each sequence's states at its last valid step as the next initial states. */
    void advance(Workspace ws) {
        int dirs = ws.layers[0].dirs.length;
        for (int l = 0; l < layers; l++) {
            for (int k = 0; k < initial.length; k++) {
                backend.gatherRows(ws.layers[l / dirs].dirs[l % dirs].stateOut(k), ws.lastRows, 0, at[k][l], false);
            }
        }
        zero = false;
    }

    @Override
    public void close() {
        for (int k = 0; k < initial.length; k++) {
            if (initial[k] != null) {
                initial[k].buffer().close();
                initial[k] = null;
            }
        }
    }
}

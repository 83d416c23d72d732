package io.rnn4j.io;

import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.TrainerConfig;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A checkpoint's tensors and model against a configuration: what {@link Checkpoint} refuses, and why. */
final class CheckpointLayout {
    private CheckpointLayout() {
    }

    /**
     * A checkpoint's tensors against its configuration: the model's parameters under PyTorch's names,
     * {@code optimizer.state0…} of P values each (as many as the optimizer has), and optionally
     * {@code state.hidden} ({@code [L·D, B, H]}) with the LSTM's {@code state.cell} of the same shape;
     * nothing else.
     */
    static void check(RnnConfig c, TrainerConfig tc, Map<String, long[]> shapes)
            throws CheckpointException {
        int states = tc.optimizer().rule(Float.POSITIVE_INFINITY).stateTensors();
        Set<String> other = new java.util.HashSet<>(Set.of("state.hidden", "state.cell"));
        for (int i = 0; i < states; i++) {
            other.add("optimizer.state" + i);
        }
        PyTorchNames.checkLayout(c, shapes, PyTorchNames.RNN, PyTorchNames.HEAD, true, other);
        long p = io.rnn4j.nn.ParameterLayout.of(c).size();
        for (int i = 0; i < states; i++) {
            String name = "optimizer.state" + i;
            long[] s = shapes.get(name);
            if (s == null || s.length != 1 || s[0] != p) {
                throw new CheckpointException("tensor '" + name + "' has shape " + (s == null ? "(missing)"
                        : Arrays.toString(s)) + ", the " + tc.optimizer().kind() + " optimizer needs [" + p + "]");
            }
        }
        long[] hidden = shapes.get("state.hidden");
        String wrong = hidden == null ? null : hiddenShapeError(c, hidden);
        if (wrong != null) {
            throw new CheckpointException(wrong);
        }
        long[] cell = shapes.get("state.cell");
        if (cell != null && (hidden == null || !Arrays.equals(cell, hidden) || c.cell() != io.rnn4j.nn.CellType.LSTM)) {
            throw new CheckpointException("tensor 'state.cell' has shape " + Arrays.toString(cell)
                    + (c.cell() != io.rnn4j.nn.CellType.LSTM ? " but only an LSTM carries a cell state"
                    : ", expected the hidden state's " + (hidden == null ? "(missing)" : Arrays.toString(hidden))));
        }
        Map<String, long[]> model = PyTorchNames.shapes(c, PyTorchNames.RNN, PyTorchNames.HEAD);
        for (String name : shapes.keySet()) {
            if (!other.contains(name) && !model.containsKey(name)) {
                throw new CheckpointException("tensor '" + name + "' has no place in this checkpoint (its "
                        + tc.optimizer().kind() + " optimizer has " + states + " state arenas)");
            }
        }
    }

    /** Why {@code s} cannot be the carried hidden state {@code [L·D, B, H]} of {@code c}, or null when it can. */
    static String hiddenShapeError(RnnConfig c, long[] s) {
        long slots = (long) c.layers() * c.directions();
        if (s.length != 3 || s[0] != slots || s[2] != c.hiddenSize() || s[1] < 1) {
            return "tensor 'state.hidden' has shape " + Arrays.toString(s) + ", expected [" + slots + ", B, "
                    + c.hiddenSize() + "]";
        }
        return null;
    }

    /** Whether two configurations have the same parameters and shapes (initializers and seeds aside). */
    static boolean sameShape(RnnConfig a, RnnConfig b) {
        return a.cell() == b.cell() && a.layers() == b.layers() && a.bidirectional() == b.bidirectional()
                && a.inputKind() == b.inputKind()
                && a.inputSize() == b.inputSize() && a.hiddenSize() == b.hiddenSize()
                && a.outputSize() == b.outputSize() && a.activation() == b.activation()
                && a.hiddenBias() == b.hiddenBias() && a.outputBias() == b.outputBias();
    }

    /** A configuration in one line, for messages. */
    static String describe(RnnConfig c) {
        return c.cell().name().toLowerCase(Locale.ROOT) + "×" + c.layers() + (c.bidirectional() ? " bidirectional" : "")
                + " "
                + c.inputKind().name().toLowerCase(Locale.ROOT) + " " + c.inputSize() + "→" + c.hiddenSize() + "→"
                + c.outputSize() + " " + c.activation().id() + (c.hiddenBias() ? " +b" : "")
                + (c.outputBias() ? " +c" : "");
    }
}

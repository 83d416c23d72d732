package io.rnn4j.nn;

import java.util.Locale;

/**
 * The recurrent cell. Gate blocks are laid out in PyTorch's order, each H wide, so that the
 * recurrent and input weights map one-to-one onto {@code nn.LSTM} / {@code nn.GRU}. Everything a
 * cell does is in its {@link #implementation()}.
 */
public enum CellType {
    /** {@code h_t = f(U h_{t−1} + W x_t + b)}. */
    ELMAN(new ElmanCell()),
    /**
     * Long short-term memory, gates i, f, g, o: {@code i, f, o = σ(·)}, {@code g = tanh(·)},
     * {@code c_t = f ⊙ c_{t−1} + i ⊙ g}, {@code h_t = o ⊙ tanh(c_t)}, each gate's pre-activation
     * {@code W_k x_t + U_k h_{t−1} + b_k}.
     */
    LSTM(new LstmCell()),
    /**
     * Gated recurrent unit, gates r, z, n (PyTorch's formulation): {@code r, z = σ(W x + b_i + U h + b_h)},
     * {@code n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn))}, {@code h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}}.
     */
    GRU(new GruCell());

    private final Cell implementation;

    CellType(Cell implementation) {
        this.implementation = implementation;
    }

    /** {@return gate blocks per cell: the recurrent weights are {@code gates·H × H}} */
    public int gates() {
        return implementation.gates();
    }

    /** {@return the cell: its parameters, scratch, forward, backward and single step} */
    public Cell implementation() {
        return implementation;
    }

    /**
     * Parses {@code elman} (or {@code rnn}), {@code lstm}, {@code gru}.
     *
     * @param s the name (case-insensitive)
     * @return the constant
     */
    public static CellType parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "elman", "rnn", "simple" -> ELMAN;
            case "lstm" -> LSTM;
            case "gru" -> GRU;
            default -> throw new IllegalArgumentException("unknown cell '" + s + "' (expected elman, lstm or gru)");
        };
    }
}

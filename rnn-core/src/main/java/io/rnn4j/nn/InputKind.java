package io.rnn4j.nn;

/** How inputs reach the network. */
public enum InputKind {
    /** Token ids in {@code [0, V)}: {@code W x_t} is a row gather of the stored {@code Wᵀ}, never a one-hot product. */
    TOKENS,
    /** Dense feature vectors of size D: {@code W x_t} for all {@code T·B} rows is one GEMM. */
    DENSE
}

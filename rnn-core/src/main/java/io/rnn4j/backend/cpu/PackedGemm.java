package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;

/**
 * A GEMM for one matrix used many times: the recurrent matrix U, the same for all T steps of a
 * sequence. {@link #pack} copies a column block of U (or of Uᵀ) once into the layout the
 * register-blocked micro-kernel reads (panels of {@link #panelWidth()} columns, each stored k-major),
 * and {@link #multiplyAdd} then runs each step's {@code C += A · P} on it, reading P sequentially
 * from the core's own cache. Implemented on the JDK's Vector API ({@link VectorGemm}); available
 * only where {@link VectorSupport} loaded it. Offsets count floats.
 */
interface PackedGemm {
    /** {@return the columns per packed panel; packed blocks are padded with zeros to a multiple of it} */
    int panelWidth();

    /**
     * Packs the k × n block {@code B[kk][j]} of a row-major matrix, where {@code B[kk][j] = m[mo + kk·ld + j]}
     * ({@code transpose} false: a column block of U) or {@code m[mo + j·ld + kk]} ({@code transpose}
     * true: a row block of U read as Uᵀ).
     *
     * @param m the matrix
     * @param mo offset of the block's first element
     * @param ld row stride of {@code m}
     * @param transpose whether the block is read transposed
     * @param k rows of the block (the product's inner dimension)
     * @param n columns of the block
     * @param into an array to reuse, or null
     * @return the packed block ({@code into} when it was large enough)
     */
    float[] pack(FloatBuffer m, long mo, int ld, boolean transpose, int k, int n, float[] into);

    /**
     * {@code C[r][j] += Σ_kk A[r][kk] · B[kk][j]} for {@code r < rows}, {@code j < n}, B packed by
     * {@link #pack} with the same k and n.
     *
     * @param a A's buffer
     * @param ao offset of A's first row
     * @param lda A's row stride
     * @param rows rows of A and C
     * @param k columns of A
     * @param packed the packed B
     * @param n columns of B and C
     * @param c C's buffer
     * @param co offset of C's first row
     * @param ldc C's row stride
     */
    void multiplyAdd(FloatBuffer a, int ao, int lda, int rows, int k, float[] packed, int n, FloatBuffer c, int co,
                     int ldc);

    /**
     * {@code C[r][j] = bias[j] + Σ_kk A[r][kk] · B[kk][j]} ({@code bias} null: 0): {@link #multiplyAdd}
     * with C's old contents replaced by a row vector, so C is written and never read (the GRU's
     * {@code h_t · U_hᵀ + b_h}); the same floats as filling C with the row and calling multiplyAdd.
     *
     * @param bias the row's buffer, or null
     * @param bo offset of the row's first element
     * @param a A's buffer
     * @param ao offset of A's first row
     * @param lda A's row stride
     * @param rows rows of A and C
     * @param k columns of A
     * @param packed the packed B
     * @param n columns of B, C and the row
     * @param c C's buffer
     * @param co offset of C's first row
     * @param ldc C's row stride
     */
    void multiplyFrom(FloatBuffer bias, int bo, FloatBuffer a, int ao, int lda, int rows, int k, float[] packed, int n,
                      FloatBuffer c, int co, int ldc);

    /**
     * The general product {@code C ← alpha · op(A) · op(B) + beta · C} (row-major, {@code op(A)}
     * {@code m × k}, {@code op(B)} {@code k × n}) on the same micro-kernel, blocked for the caches:
     * B packed in chunks of at most 512 × 512, A packed in blocks of 128 rows with alpha folded in,
     * C accumulated in per-thread tiles. {@code beta = 0} ignores C's old contents (NaN included).
     *
     * @param transA whether A is stored transposed
     * @param transB whether B is stored transposed
     * @param m rows of C
     * @param n columns of C
     * @param k the inner dimension
     * @param alpha factor of the product
     * @param a A's buffer
     * @param ao offset of A
     * @param lda A's row stride as stored
     * @param b B's buffer
     * @param bo offset of B
     * @param ldb B's row stride as stored
     * @param beta factor of C's old contents
     * @param c C's buffer
     * @param co offset of C
     * @param ldc C's row stride
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a, int ao, int lda,
              FloatBuffer b, int bo, int ldb, float beta, FloatBuffer c, int co, int ldc);
}

package io.rnn4j.backend;

/**
 * Shape checks shared by every backend, so that all of them reject the same bad calls with the
 * same messages. Each throws {@link IllegalArgumentException} naming the operation and operand.
 */
public final class Shapes {
    private Shapes() {
    }

    /** {@code t} must be {@code rows × cols}. */
    public static void require(String op, String what, Tensor t, int rows, int cols) {
        if (t == null || t.rows() != rows || t.cols() != cols) {
            throw new IllegalArgumentException(op + ": " + what + " must be " + rows + "x" + cols + ", got " + t);
        }
    }

    /** Same rows and columns. */
    public static void same(String op, Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": shape mismatch " + a + " vs " + b);
        }
    }

    /** A 1×1 tensor. */
    public static void scalar(String op, Tensor t) {
        require(op, "scalar", t, 1, 1);
    }

    /**
     * The operands of {@link Backend#gemm}: op(A) m×k, op(B) k×n, C m×n, C overlapping neither.
     *
     * @return {@code k}, the inner dimension
     */
    public static int gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB) {
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (k != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm: op(A) is " + m + "x" + k + ", op(B) is " + kb + "x" + n
                    + ", C is " + c.rows() + "x" + c.cols() + " (A " + a + (transA ? "ᵀ" : "") + ", B " + b
                    + (transB ? "ᵀ" : "") + ")");
        }
        if (c.overlaps(a) || c.overlaps(b)) {
            throw new IllegalArgumentException("gemm: output " + c + " overlaps an input");
        }
        return k;
    }

    /**
     * The part of {@link Backend#gemm} every backend shares: checks the operands ({@link #gemm}) and
     * carries out the degenerate products itself, so that all backends treat them alike. An empty C
     * needs nothing; with {@code k = 0} the product is {@code β·C}, and {@code β = 0} zero-fills C (a
     * NaN already in C does not survive, as in BLAS).
     *
     * @return {@code k} when the backend must still multiply, {@code 0} when the call is done
     */
    public static int gemmOrDegenerate(Backend backend, Tensor c, Tensor a, boolean transA, Tensor b, boolean transB,
                                       float beta) {
        int k = gemm(c, a, transA, b, transB);
        if (c.rows() == 0 || c.cols() == 0) {
            return 0;
        }
        if (k == 0) {
            if (beta == 0f) {
                backend.fill(c, 0f);
            } else {
                backend.scale(c, beta);
            }
        }
        return k;
    }

    /** The operands of {@link Backend#lstmForward}. */
    public static void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        int b = h.rows();
        int hh = h.cols();
        require("lstmForward", "gates", gates, b, 4 * hh);
        require("lstmForward", "cPrev", cPrev, b, hh);
        require("lstmForward", "c", c, b, hh);
        require("lstmForward", "tanhC", tanhC, b, hh);
    }

    /** The operands of {@link Backend#lstmBackward}. */
    public static void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        int b = dh.rows();
        int hh = dh.cols();
        require("lstmBackward", "gates", gates, b, 4 * hh);
        require("lstmBackward", "dGates", dGates, b, 4 * hh);
        require("lstmBackward", "cPrev", cPrev, b, hh);
        require("lstmBackward", "tanhC", tanhC, b, hh);
        require("lstmBackward", "dc", dc, b, hh);
    }

    /** The operands of {@link Backend#gruForward}. */
    public static void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        int b = h.rows();
        int hh = h.cols();
        require("gruForward", "xGates", xGates, b, 3 * hh);
        require("gruForward", "hGates", hGates, b, 3 * hh);
        require("gruForward", "gates", gates, b, 3 * hh);
        require("gruForward", "hPrev", hPrev, b, hh);
    }

    /** The operands of {@link Backend#gruBackward}. */
    public static void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                                   Tensor dhPrev) {
        int b = dh.rows();
        int hh = dh.cols();
        require("gruBackward", "gates", gates, b, 3 * hh);
        require("gruBackward", "hGates", hGates, b, 3 * hh);
        require("gruBackward", "dxGates", dxGates, b, 3 * hh);
        require("gruBackward", "dhGates", dhGates, b, 3 * hh);
        require("gruBackward", "hPrev", hPrev, b, hh);
        require("gruBackward", "dhPrev", dhPrev, b, hh);
    }
}

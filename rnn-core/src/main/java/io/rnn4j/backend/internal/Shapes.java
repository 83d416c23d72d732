package io.rnn4j.backend.internal;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.StepwiseRecurrences;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;

/**
 * The operand checks of every {@link Backend} kernel, in one place, so that all backends reject the
 * same bad calls with the same messages. Each throws {@link IllegalArgumentException} naming the
 * operation and the operand. Token-id values are not checked here (the caller validates them).
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
        if (t == null || t.rows() != 1 || t.cols() != 1) {
            throw new IllegalArgumentException(op + ": expected a 1x1 tensor, got " + t);
        }
    }

    /** The control of {@code Backend.gatedUpdate}: 1×2 (the update count, the learning rate). */
    public static void gateControl(Tensor control) {
        if (control == null || control.rows() != 1 || control.cols() != 2) {
            throw new IllegalArgumentException("gatedUpdate: the control must be 1x2 (update count, learning rate), got "
                    + control);
        }
    }

    /** {@code out} must not share an element with {@code in} (a null input is ignored). */
    public static void noOverlap(String op, Tensor out, Tensor in) {
        if (in != null && out.overlaps(in)) {
            throw new IllegalArgumentException(op + ": output " + out + " overlaps input " + in);
        }
    }

    /** {@code count} elements from {@code offset} must lie inside an array of {@code length}. */
    public static void range(String what, int length, int offset, long count) {
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new IllegalArgumentException(what + ": need " + count + " elements from offset " + offset
                    + " but the array has " + length);
        }
    }

    /** {@code count} ids from {@code offset} must lie inside the index buffer. */
    public static void ids(String op, IndexBuffer ids, int offset, int count) {
        if (ids == null) {
            throw new IllegalArgumentException(op + ": index buffer is null");
        }
        if (offset < 0 || count < 0 || (long) offset + count > ids.length()) {
            // The message is built only here: a check on the hot path allocates nothing.
            range(op + " ids", ids.length(), offset, count);
        }
    }

    /** {@link Backend#copy}: same shape, no overlap. */
    public static void copy(Tensor src, Tensor dst) {
        same("copy", src, dst);
        noOverlap("copy", dst, src);
    }

    /** {@link Backend#axpy}: same shape, no overlap. */
    public static void axpy(Tensor x, Tensor y) {
        same("axpy", x, y);
        noOverlap("axpy", y, x);
    }

    /** {@link Backend#addRowVector}: {@code v} is {@code 1 × x.cols()} and outside {@code x}. */
    public static void addRowVector(Tensor x, Tensor v) {
        if (v.rows() != 1 || v.cols() != x.cols()) {
            throw new IllegalArgumentException("addRowVector: vector " + v + " must be 1x" + x.cols());
        }
        noOverlap("addRowVector", x, v);
    }

    /** {@link Backend#sumRows}: {@code out} is {@code 1 × x.cols()} and outside {@code x}. */
    public static void sumRows(Tensor x, Tensor out) {
        if (out.rows() != 1 || out.cols() != x.cols()) {
            throw new IllegalArgumentException("sumRows: output " + out + " must be 1x" + x.cols());
        }
        noOverlap("sumRows", out, x);
    }

    /** {@link Backend#gatherRows}: same columns, no overlap, enough ids. */
    public static void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out) {
        if (table.cols() != out.cols()) {
            throw new IllegalArgumentException("gatherRows: table " + table + " and output " + out + " differ in columns");
        }
        noOverlap("gatherRows", out, table);
        ids("gatherRows", ids, idOffset, out.rows());
    }

    /** {@link Backend#scatterAddRows}: same columns, no overlap, enough ids. */
    public static void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        if (table.cols() != src.cols()) {
            throw new IllegalArgumentException("scatterAddRows: source " + src + " and table " + table
                    + " differ in columns");
        }
        noOverlap("scatterAddRows", table, src);
        ids("scatterAddRows", ids, idOffset, src.rows());
    }

    /** A PReLU slope (or slope gradient) tensor of {@code 1 × cols}. */
    public static void slope(String op, Tensor slope, int cols) {
        if (slope == null || slope.rows() != 1 || slope.cols() != cols) {
            throw new IllegalArgumentException(op + ": PReLU needs a 1x" + cols + " slope tensor, got " + slope);
        }
    }

    /** {@link Backend#activationForward}: same shape, {@code h} is {@code s} or apart from it, a slope for PReLU. */
    public static void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        same("activationForward", s, h);
        if (h != s && h.overlaps(s) && (h.offset() != s.offset() || h.rowStride() != s.rowStride())) {
            throw new IllegalArgumentException("activationForward: output " + h + " partially overlaps input " + s);
        }
        if (f == Activation.PRELU) {
            slope("activationForward", slope, s.cols());
        }
    }

    /** {@link Backend#activationBackward}: one shape for s, h and g; slopes for PReLU. */
    public static void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        same("activationBackward", s, g);
        same("activationBackward", h, g);
        if (f == Activation.PRELU) {
            slope("activationBackward", slope, g.cols());
            slope("activationBackward (slope gradient)", slopeGrad, g.cols());
        }
    }

    /** {@link Backend#dropoutMask}: a dense mask and a probability in [0, 1). */
    public static void dropoutMask(Tensor mask, float p) {
        if (!mask.isContiguous()) {
            throw new IllegalArgumentException("dropoutMask: the mask " + mask + " must be dense");
        }
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropoutMask: probability must be in [0, 1), got " + p);
        }
    }

    /** {@link Backend#multiply}: same columns, factors' rows divide x's, out shaped as x and apart from factors. */
    public static void multiply(Tensor x, Tensor factors, Tensor out) {
        same("multiply", x, out);
        if (factors.cols() != x.cols() || factors.rows() < 1 || x.rows() % factors.rows() != 0) {
            throw new IllegalArgumentException("multiply: factors " + factors + " must have " + x.cols()
                    + " columns and a number of rows dividing " + x.rows());
        }
        noOverlap("multiply", out, factors);
        if (out != x && out.overlaps(x) && (out.offset() != x.offset() || out.rowStride() != x.rowStride())) {
            throw new IllegalArgumentException("multiply: output " + out + " partially overlaps input " + x);
        }
    }

    /** {@link Backend#omegaRows}: v, delta and out of one shape (out may be v, else apart), sum 1×1 apart. */
    public static void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum) {
        same("omegaRows", v, delta);
        same("omegaRows", v, out);
        scalar("omegaRows", sum);
        noOverlap("omegaRows", out, delta);
        noOverlap("omegaRows", sum, v);
        noOverlap("omegaRows", sum, delta);
        noOverlap("omegaRows", sum, out);
        if (out != v && out.overlaps(v) && (out.offset() != v.offset() || out.rowStride() != v.rowStride())) {
            throw new IllegalArgumentException("omegaRows: output " + out + " partially overlaps input " + v);
        }
    }

    /** The per-row loss weights of the loss kernels: null or {@code rows × 1}. */
    public static void weights(String op, Tensor weights, int rows) {
        if (weights != null && (weights.rows() != rows || weights.cols() != 1)) {
            throw new IllegalArgumentException(op + ": weights must be " + rows + "x1, got " + weights);
        }
    }

    /** {@link Backend#softmaxCrossEntropy}. */
    public static void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights,
                                           Tensor loss) {
        scalar("softmaxCrossEntropy loss", loss);
        weights("softmaxCrossEntropy", weights, z.rows());
        ids("softmaxCrossEntropy targets", targets, targetOffset, z.rows());
        noOverlap("softmaxCrossEntropy", z, loss);
    }

    /** {@link Backend#squaredError}. */
    public static void squaredError(Tensor pred, Tensor target, Tensor weights, Tensor loss) {
        same("squaredError", pred, target);
        scalar("squaredError loss", loss);
        weights("squaredError", weights, pred.rows());
        noOverlap("squaredError", pred, target);
        noOverlap("squaredError", pred, loss);
    }

    /** {@link Backend#clipScale}. */
    public static void clipScale(Tensor sumSquares, Tensor scale) {
        scalar("clipScale sumSquares", sumSquares);
        scalar("clipScale scale", scale);
    }

    /**
     * {@link Backend#optimizerUpdate}: a rule, one shape for every arena, the states the rule needs,
     * contiguous arenas, a 1×1 scale and a step of at least 1.
     */
    public static void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                       Tensor state3, Tensor gradScale, long step) {
        if (rule == null) {
            throw new IllegalArgumentException("optimizerUpdate: rule is null");
        }
        same("optimizerUpdate grads", params, grads);
        scalar("optimizerUpdate gradScale", gradScale);
        int states = rule.stateTensors();
        if (states >= 1) {
            if (state1 == null) {
                throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs state1");
            }
            same("optimizerUpdate state1", params, state1);
        }
        if (states >= 2) {
            if (state2 == null) {
                throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs state2");
            }
            same("optimizerUpdate state2", params, state2);
        }
        if (states >= 3) {
            if (state3 == null) {
                throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs state3");
            }
            same("optimizerUpdate state3", params, state3);
        }
        if (step < 1) {
            throw new IllegalArgumentException("optimizerUpdate: step must be >= 1, got " + step);
        }
        if (!params.isContiguous() || !grads.isContiguous()
                || (states >= 1 && !state1.isContiguous()) || (states >= 2 && !state2.isContiguous())
                || (states >= 3 && !state3.isContiguous())) {
            throw new IllegalArgumentException("optimizerUpdate: arenas must be contiguous");
        }
        noOverlap("optimizerUpdate", params, grads);
    }

    /** {@link Backend#recurrentForward}: the recurrence shapes, no overlaps, a slope for PReLU. Returns T. */
    public static int recurrentForward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope,
                                       int batch) {
        int steps = StepwiseRecurrences.check(recurrent, pre, hidden, batch);
        noOverlap("recurrentForward", pre, hidden);
        noOverlap("recurrentForward", pre, recurrent);
        noOverlap("recurrentForward", hidden, recurrent);
        if (f == Activation.PRELU) {
            slope("recurrentForward", slope, pre.cols());
        }
        return steps;
    }

    /** {@link Backend#recurrentBackward}: as the forward, plus grad, slope gradient and the norm record. Returns T. */
    public static int recurrentBackward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                                        Tensor slope, Tensor slopeGrad, int batch, Tensor stepSquares) {
        int steps = StepwiseRecurrences.check(recurrent, pre, hidden, batch);
        same("recurrentBackward grad", pre, grad);
        noOverlap("recurrentBackward", grad, pre);
        noOverlap("recurrentBackward", grad, hidden);
        noOverlap("recurrentBackward", grad, recurrent);
        if (f == Activation.PRELU) {
            slope("recurrentBackward", slope, pre.cols());
            slope("recurrentBackward (slope gradient)", slopeGrad, pre.cols());
        }
        if (stepSquares != null && (stepSquares.rows() != steps || stepSquares.cols() != 2)) {
            throw new IllegalArgumentException("recurrentBackward: stepSquares must be " + steps + "x2, got "
                    + stepSquares);
        }
        return steps;
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

package io.rnn4j.backend;

/**
 * The Elman recurrences of {@link Backend#recurrentForward} and {@link Backend#recurrentBackward}
 * built step by step from a backend's own kernels (one GEMM and one activation kernel per step):
 * the interface's default, which a backend without a fused recurrence (the CUDA backend today)
 * runs, and the operand checks every implementation shares.
 */
public final class StepwiseRecurrences {
    private StepwiseRecurrences() {
    }

    /**
     * {@link Backend#recurrentForward} on {@code be}, one step at a time.
     *
     * @param be the backend whose kernels run
     * @param f the activation
     * @param recurrent U, {@code H × H}
     * @param pre {@code T·batch × H}: the input terms on entry, {@code s_t} on exit
     * @param hidden {@code (T+1)·batch × H}: {@code h_0} in block 0 on entry; blocks 1..T written
     * @param slope PReLU slopes or null
     * @param batch B
     */
    public static void forward(Backend be, Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope,
                               int batch) {
        int steps = check(recurrent, pre, hidden, batch);
        for (int t = 0; t < steps; t++) {
            Tensor s = pre.rows(t * batch, batch);
            be.gemm(s, hidden.rows(t * batch, batch), false, recurrent, true, 1f, 1f);
            be.activationForward(f, s, hidden.rows((t + 1) * batch, batch), slope);
        }
    }

    /**
     * {@link Backend#recurrentBackward} on {@code be}, one step at a time.
     *
     * @param be the backend whose kernels run
     * @param f the activation
     * @param recurrent U, {@code H × H}
     * @param pre the forward sweep's {@code s_t}, {@code T·B × H}
     * @param hidden the forward sweep's states, {@code (T+1)·B × H}
     * @param grad ∂E/∂h from outside the recurrence on entry, δ on exit
     * @param slope PReLU slopes or null
     * @param slopeGrad accumulates the PReLU slope gradient, or null
     * @param batch B
     * @param stepSquares null, or {@code T × 2}: per step, Σ(∂E/∂h_t)² and Σδ_t² (overwrites)
     */
    public static void backward(Backend be, Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                                Tensor slope, Tensor slopeGrad, int batch, Tensor stepSquares) {
        int steps = check(recurrent, pre, hidden, batch);
        if (grad.rows() != pre.rows() || grad.cols() != pre.cols()) {
            throw new IllegalArgumentException("recurrentBackward: grad " + grad + " does not match pre " + pre);
        }
        for (int t = steps - 1; t >= 0; t--) {
            Tensor g = grad.rows(t * batch, batch);
            if (t < steps - 1) {
                be.gemm(g, grad.rows((t + 1) * batch, batch), false, recurrent, false, 1f, 1f);
            }
            if (stepSquares != null) {
                be.sumSquares(g, stepSquares.rows(t, 1).cols(0, 1), false);
            }
            be.activationBackward(f, pre.rows(t * batch, batch), hidden.rows((t + 1) * batch, batch), g, slope,
                    slopeGrad);
            if (stepSquares != null) {
                be.sumSquares(g, stepSquares.rows(t, 1).cols(1, 1), false);
            }
        }
    }

    /**
     * The shape checks shared by the recurrence kernels.
     *
     * @param recurrent U
     * @param pre {@code T·B × H}
     * @param hidden {@code (T+1)·B × H}
     * @param batch B
     * @return T
     * @throws IllegalArgumentException naming the mismatch
     */
    public static int check(Tensor recurrent, Tensor pre, Tensor hidden, int batch) {
        int h = recurrent.rows();
        if (recurrent.cols() != h || pre.cols() != h || hidden.cols() != h) {
            throw new IllegalArgumentException("recurrence: U " + recurrent + ", pre " + pre + " and hidden " + hidden
                    + " must all have H = " + h + " columns and U must be square");
        }
        if (batch < 1 || pre.rows() % batch != 0 || hidden.rows() != pre.rows() + batch) {
            throw new IllegalArgumentException("recurrence: pre " + pre + " must be T·B rows and hidden " + hidden
                    + " (T+1)·B rows for B = " + batch);
        }
        return pre.rows() / batch;
    }
}

package io.rnn4j.nn;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;

/**
 * One kind of recurrent cell, everything about it in one class: its parameters (gate count, whether
 * it has a separate recurrent bias, its initial biases), its per-layer scratch, its forward and
 * backward over the T steps of a layer, side by side and mirror images of each other, and its single
 * step for sampling. The trainer, the generator, the parameter layout and the checkpoints ask the
 * cell; none of them switches on the cell type.
 *
 * <p>Adding a cell: a subclass here and a constant in {@link CellType} (plus backend kernels if its
 * step needs a fused one), and a float64 reference in the tests.
 *
 * <p>Common to every cell, done by the caller: the input projection {@code S = X Wᵀ (+ b)} for all
 * T·B rows before {@link #forward}, and after {@link #backward} the input-side gradients from the Δ
 * it returns ({@code db = Σ Δ}, {@code dW += Xᵀ Δ} or a scatter, and {@code ∂E/∂h} of the layer
 * below {@code = Δ W}).
 */
public abstract class Cell {

    Cell() {
    }

    /** {@return gate blocks G: U is {@code G·H × H} and W is {@code D × G·H}, blocks in PyTorch's order} */
    public abstract int gates();

    /** {@return the states carried from step to step (and across truncated-BPTT windows): 1 (h), 2 for the LSTM (h, c)} */
    public int stateCount() {
        return 1;
    }

    /** {@return whether the cell has a bias inside the recurrent term that cannot be folded into b (the GRU's b_h)} */
    public boolean hasRecurrentBias() {
        return false;
    }

    /**
     * Whether the cell takes this activation for its state (the gated cells use their own σ and tanh).
     *
     * @param f an activation
     * @return whether this cell accepts it
     */
    public boolean supports(Activation f) {
        return f == Activation.TANH;
    }

    /**
     * The initial hidden bias b ({@code G·H} values), or null for zeros.
     *
     * @param config the model's configuration
     * @return the values, or null
     */
    public float[] initialHiddenBias(RnnConfig config) {
        return null;
    }

    /** {@return the name of what {@link LayerBuffers#pre} holds, for reports ("pre-activation", "gates")} */
    public String preName() {
        return "gates";
    }

    /** {@return the name of what {@link LayerBuffers#grad} holds after the backward sweep, for reports} */
    public String gradName() {
        return "∂E/∂h";
    }

    /**
     * The cell's own scratch for one layer's training step (closed with the buffers).
     *
     * @param backend where to allocate
     * @param buffers the layer's buffers (their sizes)
     * @return the scratch
     */
    public abstract AutoCloseable newScratch(Backend backend, LayerBuffers buffers);

    /**
     * The forward sweep of one layer: on entry {@code buf.pre} holds {@code W x_t + b} for every
     * step and block 0 of each state its initial value; on exit the states hold every step's value
     * and {@code pre} whatever the backward sweep needs.
     *
     * @param backend the backend
     * @param f the activation (Elman)
     * @param p the layer's parameter views
     * @param buf the layer's buffers
     */
    public abstract void forward(Backend backend, Activation f, LayerParams p, LayerBuffers buf);

    /**
     * The backward sweep, the mirror of {@link #forward}: on entry {@code buf.grad} holds ∂E/∂h_t
     * from above for every step; accumulates the recurrent parameters' gradients into {@code g} and
     * returns Δ, the gradient of the input-side terms {@code W x_t + b} ({@code T·B × G·H}). With
     * {@code stepSquares} ({@code T × 2}) it records, per step, Σ(∂E/∂h_t)² and the sum of squares of
     * the step's pre-activation gradient (the diagnostics).
     *
     * @param backend the backend
     * @param f the activation (Elman)
     * @param p the layer's parameter views
     * @param g the layer's gradient views (accumulated into)
     * @param buf the layer's buffers
     * @param stepSquares {@code T × 2} for the diagnostics, or null
     * @return Δ, {@code T·B × G·H}
     */
    public abstract Tensor backward(Backend backend, Activation f, LayerParams p, LayerParams g, LayerBuffers buf,
                                    Tensor stepSquares);

    /**
     * After {@link #backward}: the gradient with respect to the layer's initial states, ∂E/∂h_0 into
     * {@code dInitial[0]} and, for the LSTM, ∂E/∂c_0 into {@code dInitial[1]} ({@code B × H} each,
     * overwritten): the far end of the backward sweep.
     *
     * @param backend the backend
     * @param p the layer's parameter views
     * @param buf the layer's buffers, after {@link #backward}
     * @param dInitial one {@code B × H} tensor per state, overwritten
     */
    public abstract void initialGradients(Backend backend, LayerParams p, LayerBuffers buf, Tensor[] dInitial);

    /**
     * Scratch for {@link #step}, for {@code rows} sequences at a time.
     *
     * @param backend where to allocate
     * @param rows sequences per step
     * @param hiddenSize H
     * @return the scratch
     */
    public abstract AutoCloseable newStepScratch(Backend backend, int rows, int hiddenSize);

    /**
     * One step for sampling: {@code pre} holds {@code W x + b}; reads the states {@code state}, writes
     * the next states into {@code next} (as many as {@link #stateCount()}).
     *
     * @param backend the backend
     * @param f the activation (Elman)
     * @param p the layer's parameter views
     * @param pre {@code rows × G·H}: {@code W x + b} (may be overwritten)
     * @param state the current states, {@code rows × H} each
     * @param next the next states, written
     * @param scratch from {@link #newStepScratch}
     */
    public abstract void step(Backend backend, Activation f, LayerParams p, Tensor pre, Tensor[] state, Tensor[] next,
                              AutoCloseable scratch);

    /** Σ x² of one step's tensor into {@code stepSquares[t, column]}, when recording. */
    static void record(Backend backend, Tensor stepSquares, int t, int column, Tensor x) {
        if (stepSquares != null) {
            backend.sumSquares(x, stepSquares.rows(t, 1).cols(column, 1), false);
        }
    }

    /** Closes the buffers behind the given tensors. */
    static void closeAll(Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null) {
                t.buffer().close();
            }
        }
    }
}

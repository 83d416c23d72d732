package io.rnn4j.backend;

/**
 * The recurrent cells' kernels of a {@link Backend}: the whole Elman recurrences, one LSTM and one
 * GRU step forward and backward, and the whole LSTM and GRU sweeps. A part of {@code Backend} in a
 * file of its own (sealed: only {@code Backend} extends it, so its defaults may run on the
 * backend's other kernels); implement {@code Backend}, not this. The conventions of
 * {@link Backend} hold for every method.
 */
public sealed interface RecurrentKernels permits Backend {

    // ---------------------------------------------------------------- whole recurrences

    /**
     * The forward recurrence of an Elman layer over {@code T} steps of {@code batch} rows each, as
     * one call so that a backend can schedule it as it likes (split the batch over cores, keep
     * {@code U} in cache, run one persistent kernel); the default runs it step by step
     * ({@link StepwiseRecurrences}). With block {@code t} meaning rows
     * {@code [t·batch, (t+1)·batch)}: for {@code t = 0..T−1},
     * {@code pre[t] += hidden[t] · Uᵀ}, then {@code hidden[t+1] = f(pre[t])}.
     *
     * @param recurrent U, {@code H × H}
     * @param pre {@code T·batch × H}: the input terms {@code W x_t (+ b)} on entry, {@code s_t} on exit
     * @param hidden {@code (T+1)·batch × H}: {@code h_0} in block 0 on entry; blocks 1..T written
     * @param f the activation
     * @param slope PReLU slopes ({@code 1 × H}) or null
     * @param batch B, the rows of one step
     */
    default void recurrentForward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope,
                                  int batch) {
        StepwiseRecurrences.forward((Backend) this, f, recurrent, pre, hidden, slope, batch);
    }

    /**
     * The backward recurrence, the mirror image of {@link #recurrentForward}: {@code grad} holds
     * {@code ∂E/∂h_t} from outside the recurrence (the output head) on entry and
     * {@code δ_t = ∂E/∂s_t} on exit. For {@code t = T−1..0}: if {@code t < T−1},
     * {@code grad[t] += grad[t+1] · U}; then {@code grad[t] = f'(pre[t]) ⊙ grad[t]} as in
     * {@link Backend#activationBackward} (with {@code hidden[t+1]} as h, and the PReLU slope gradient
     * accumulated into {@code slopeGrad}).
     *
     * @param stepSquares null, or a {@code T × 2} tensor that receives, for every step t, the sum of
     *     squares of {@code ∂E/∂h_t} (column 0, before the multiplication by f') and of
     *     {@code δ_t} (column 1) over the batch: the per-step gradient norms of the diagnostics,
     *     recorded inside the sweep (overwrites)
     * @param f the activation
     * @param recurrent U, {@code H × H}
     * @param pre the forward sweep's {@code s_t}, {@code T·B × H}
     * @param hidden the forward sweep's states, {@code (T+1)·B × H}
     * @param grad ∂E/∂h from outside the recurrence on entry, δ on exit
     * @param slope PReLU slopes or null
     * @param slopeGrad accumulates the PReLU slope gradient, or null
     * @param batch B
     */
    default void recurrentBackward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                                   Tensor slope, Tensor slopeGrad, int batch, Tensor stepSquares) {
        StepwiseRecurrences.backward((Backend) this, f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
    }

    // ---------------------------------------------------------------- gated cells (one time step, B rows)

    /**
     * One LSTM step, fused. {@code gates} ({@code B × 4H}, blocks i, f, g, o) holds the
     * pre-activations {@code W x_t + U h_{t−1} + b} on entry and the activated gates
     * {@code σ(i), σ(f), tanh(g), σ(o)} on exit (overwrites, kept for the backward step). Writes
     * {@code c = f ⊙ cPrev + i ⊙ g}, {@code tanhC = tanh(c)} and {@code h = o ⊙ tanhC} (all
     * {@code B × H}; none may overlap another).
     *
     * @param gates {@code B × 4H}: pre-activations in, activated gates out
     * @param cPrev c_{t−1}
     * @param c c_t, written
     * @param h h_t, written
     * @param tanhC tanh(c_t), written
     */
    void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC);

    /**
     * The mirror of {@link #lstmForward}: from the activated {@code gates}, {@code cPrev} and
     * {@code tanhC} of the step, {@code dh = ∂E/∂h_t} ({@code B × H}, read) and {@code dc}
     * ({@code B × H}: ∂E/∂c_t from the later steps on entry, ∂E/∂c_{t−1} on exit), writes
     * {@code dGates} ({@code B × 4H}, overwrites) = ∂E/∂ of the four gate pre-activations.
     *
     * @param gates the step's activated gates
     * @param cPrev c_{t−1}
     * @param tanhC tanh(c_t)
     * @param dh ∂E/∂h_t
     * @param dc ∂E/∂c_t in, ∂E/∂c_{t−1} out
     * @param dGates written
     */
    void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates);

    /**
     * One GRU step, fused (PyTorch's formulation). {@code xGates} ({@code B × 3H}, blocks r, z, n)
     * holds {@code W x_t + b_i}; {@code hGates} ({@code B × 3H}) holds {@code U h_{t−1} + b_h};
     * writes the activated gates {@code r = σ(x_r + h_r)}, {@code z = σ(x_z + h_z)},
     * {@code n = tanh(x_n + r ⊙ h_n)} into {@code gates} ({@code B × 3H}) and
     * {@code h = (1 − z) ⊙ n + z ⊙ hPrev} ({@code B × H}).
     *
     * @param xGates {@code W x_t + b_i}
     * @param hGates {@code U h_{t−1} + b_h}
     * @param hPrev h_{t−1}
     * @param h h_t, written
     * @param gates the activated gates, written
     */
    void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates);

    /**
     * The mirror of {@link #gruForward}: from the step's activated {@code gates}, {@code hGates}
     * and {@code hPrev}, and {@code dh = ∂E/∂h_t}, writes {@code dxGates} = ∂E/∂(W x_t + b_i),
     * {@code dhGates} = ∂E/∂(U h_{t−1} + b_h) (both {@code B × 3H}) and {@code dhPrev} =
     * {@code z ⊙ dh}, the direct part of ∂E/∂h_{t−1} ({@code B × H}); all overwrite.
     *
     * @param gates the step's activated gates
     * @param hGates the step's {@code U h_{t−1} + b_h}
     * @param hPrev h_{t−1}
     * @param dh ∂E/∂h_t
     * @param dxGates written
     * @param dhGates written
     * @param dhPrev written
     */
    void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                     Tensor dhPrev);

    /**
     * The forward sweep of an LSTM layer as one call, for a backend that can run it whole (keep U
     * on chip for all T steps). Returns false, having done nothing, when it cannot: then the cell
     * runs the steps itself (one GEMM and {@link #lstmForward} per step, on per-step views it keeps,
     * so that a step allocates nothing); the default returns false. With block {@code t} meaning
     * rows {@code [t·batch, (t+1)·batch)}, for {@code t = 0..T−1}:
     * {@code gates[t] += hidden[t] · Uᵀ}, then {@code lstmForward(gates[t], cells[t], cells[t+1],
     * hidden[t+1], tanhC[t])}.
     *
     * @param recurrent U, {@code 4H × H}
     * @param gates {@code T·B × 4H}: {@code W x_t (+ b)} on entry, the activated gates on exit
     * @param hidden {@code (T+1)·B × H}: h_0 in block 0 on entry; blocks 1..T written
     * @param cells {@code (T+1)·B × H}: c_0 in block 0 on entry; blocks 1..T written
     * @param tanhC {@code T·B × H}, written
     * @param batch B
     * @return whether the sweep ran
     */
    default boolean lstmRecurrentForward(Tensor recurrent, Tensor gates, Tensor hidden, Tensor cells, Tensor tanhC,
                                         int batch) {
        return false;
    }

    /**
     * The mirror of {@link #lstmRecurrentForward} (false, having done nothing, when the backend
     * cannot run it whole; the default): for {@code t = T−1..0}, {@code lstmBackward(gates[t],
     * cells[t], tanhC[t], grad[t], dc, dGates[t])}, then (t &gt; 0) {@code grad[t−1] += dGates[t] · U}.
     *
     * @param recurrent U
     * @param gates the activated gates of the forward sweep
     * @param cells the forward sweep's cell states
     * @param tanhC the forward sweep's tanh(c)
     * @param grad ∂E/∂h from outside the recurrence on entry, the whole ∂E/∂h_t on exit
     * @param dc {@code B × H}: ∂E/∂c after the last step on entry (zeros), ∂E/∂c_0 on exit
     * @param dGates {@code T·B × 4H}, written
     * @param batch B
     * @param stepSquares null, or {@code T × 2}: Σ(∂E/∂h_t)² and Σ dGates_t² per step (overwrites)
     * @return whether the sweep ran
     */
    default boolean lstmRecurrentBackward(Tensor recurrent, Tensor gates, Tensor cells, Tensor tanhC, Tensor grad,
                                          Tensor dc, Tensor dGates, int batch, Tensor stepSquares) {
        return false;
    }

    /**
     * The forward sweep of a GRU layer as one call, or false, having done nothing, when the backend
     * cannot run it whole (the default; the cell then runs per step one GEMM and
     * {@link #gruForward}): {@code hGates[t] = hidden[t] · Uᵀ (+ recurrentBias)}, then
     * {@code gruForward(xGates[t], hGates[t], hidden[t], hidden[t+1], acts[t])}.
     *
     * @param recurrent U, {@code 3H × H}
     * @param recurrentBias b_h ({@code 1 × 3H}) or null
     * @param xGates {@code T·B × 3H}: {@code W x_t + b_i}
     * @param hGates {@code T·B × 3H}, written (kept for the backward sweep)
     * @param hidden {@code (T+1)·B × H}: h_0 in block 0 on entry; blocks 1..T written
     * @param acts {@code T·B × 3H}: the activated gates, written
     * @param batch B
     * @return whether the sweep ran
     */
    default boolean gruRecurrentForward(Tensor recurrent, Tensor recurrentBias, Tensor xGates, Tensor hGates,
                                        Tensor hidden, Tensor acts, int batch) {
        return false;
    }

    /**
     * The mirror of {@link #gruRecurrentForward} (false, having done nothing, when the backend
     * cannot run it whole; the default): for {@code t = T−1..0}, {@code gruBackward(acts[t],
     * hGates[t], hidden[t], grad[t], dxGates[t], dhGates[t], dhDirect)}, then (t &gt; 0)
     * {@code grad[t−1] += dhDirect + dhGates[t] · U}.
     *
     * @param recurrent U
     * @param acts the forward sweep's activated gates
     * @param hGates the forward sweep's {@code U h + b_h}
     * @param hidden the forward sweep's states
     * @param grad ∂E/∂h from outside the recurrence on entry, the whole ∂E/∂h_t on exit
     * @param dxGates {@code T·B × 3H}, written
     * @param dhGates {@code T·B × 3H}, written
     * @param dhDirect {@code B × H}: z ⊙ ∂E/∂h of the last step handled, i.e. of step 0 on exit
     * @param batch B
     * @param stepSquares null, or {@code T × 2}: Σ(∂E/∂h_t)² and Σ dxGates_t² per step (overwrites)
     * @return whether the sweep ran
     */
    default boolean gruRecurrentBackward(Tensor recurrent, Tensor acts, Tensor hGates, Tensor hidden, Tensor grad,
                                         Tensor dxGates, Tensor dhGates, Tensor dhDirect, int batch,
                                         Tensor stepSquares) {
        return false;
    }
}

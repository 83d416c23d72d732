package io.rnn4j.backend;

/**
 * A compute backend: a small set of primitive and fused float32 kernels, and nothing else.
 * Models and trainers are written against this interface only.
 *
 * <h2>Conventions for every kernel</h2>
 * <ul>
 *   <li>Tensors are row-major views ({@link Tensor}); any row stride is accepted unless a method
 *       says otherwise. All tensors passed to a backend must have been allocated by it.</li>
 *   <li><b>Overwrite or accumulate</b> is stated per method. Output tensors must not overlap inputs
 *       unless the method allows it ("in place").</li>
 *   <li>Kernels may run asynchronously (a GPU queues them on one stream in call order);
 *       {@link #download} and {@link #synchronize()} wait for everything queued before them.</li>
 *   <li>Shapes are checked; a mismatch throws {@link IllegalArgumentException} naming the operands.
 *       Index values (token ids) are validated by the caller, not by the kernels.</li>
 *   <li>Every call is atomic: a backend shared by threads serves their calls one at a time.</li>
 * </ul>
 * The recurrent cells' kernels (the whole Elman recurrences, the LSTM and GRU steps and sweeps)
 * are declared in {@link RecurrentKernels}, a part of this interface kept in its own file.
 */
public non-sealed interface Backend extends RecurrentKernels, AutoCloseable {

    /**
     * The short name, the one {@code -Drnn4j.backend} takes.
     *
     * @return e.g. {@code cpu} or {@code cuda}
     */
    String name();

    /**
     * What runs the kernels, for logs and benchmark tables.
     *
     * @return a human-readable description (library, threads, device)
     */
    String description();

    // ---------------------------------------------------------------- memory

    /**
     * Allocates a dense tensor owning a new buffer, zero-filled.
     *
     * @param rows at least 0
     * @param cols at least 0
     * @return a {@code rows × cols} view of the whole new buffer
     */
    Tensor allocate(int rows, int cols);

    /**
     * Allocates an index buffer, zero-filled.
     *
     * @param length ints, at least 0
     * @return the new buffer
     */
    IndexBuffer allocateIndices(int length);

    /**
     * Copies {@code dst.rows() * dst.cols()} floats from {@code src[srcOffset...]} (row-major,
     * dense) into {@code dst}. Overwrites.
     *
     * @param src host values
     * @param srcOffset the first value to copy
     * @param dst the destination view (any row stride)
     */
    void upload(float[] src, int srcOffset, Tensor dst);

    /**
     * Copies {@code count} ints from {@code src[srcOffset...]} into {@code dst[0...]}. Overwrites.
     *
     * @param src host ids
     * @param srcOffset the first id to copy
     * @param dst the destination buffer, at least {@code count} long
     * @param count ids to copy
     */
    void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count);

    /**
     * Waits for queued work, then copies {@code src} into {@code dst[dstOffset...]} (row-major,
     * dense).
     *
     * @param src the source view
     * @param dst host array with room for {@code src.size()} values from {@code dstOffset}
     * @param dstOffset where the first value goes
     */
    void download(Tensor src, float[] dst, int dstOffset);

    /**
     * Sets every element of {@code t} to {@code value}.
     *
     * @param t the view to fill
     * @param value the value (NaN allowed)
     */
    void fill(Tensor t, float value);

    /**
     * {@code dst ← src}; same shape; must not overlap.
     *
     * @param src the source
     * @param dst the destination
     */
    void copy(Tensor src, Tensor dst);

    // ---------------------------------------------------------------- BLAS-like

    /**
     * {@code C ← alpha · op(A) · op(B) + beta · C}, with {@code op(X) = Xᵀ} when the flag is set.
     * {@code C} must not overlap {@code A} or {@code B}. With {@code beta == 0} the old contents of
     * {@code C} are ignored (NaN included).
     *
     * @param c the output, {@code m × n}
     * @param a A ({@code m × k}, or {@code k × m} when transposed)
     * @param transA whether op(A) is Aᵀ
     * @param b B ({@code k × n}, or {@code n × k} when transposed)
     * @param transB whether op(B) is Bᵀ
     * @param alpha the product's factor
     * @param beta the factor of C's old contents
     */
    void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta);

    /**
     * {@code x ← alpha · x}, in place.
     *
     * @param x the view to scale
     * @param alpha the factor
     */
    void scale(Tensor x, float alpha);

    /**
     * {@code y ← alpha · x + y}; same shape; must not overlap.
     *
     * @param alpha the factor of x
     * @param x read
     * @param y accumulated into
     */
    void axpy(float alpha, Tensor x, Tensor y);

    /**
     * {@code out[0,0] ← (accumulate ? out[0,0] : 0) + Σ x²}, reduced on the backend (for norms).
     * {@code out} is a 1×1 tensor; the sum is accumulated in at least float32 with pairwise or
     * double accumulation so that it is accurate for millions of elements.
     *
     * @param x the values
     * @param out a 1×1 tensor
     * @param accumulate add to {@code out} instead of overwriting it
     */
    void sumSquares(Tensor x, Tensor out, boolean accumulate);

    /**
     * {@code x[r, :] += v[0, :]} for every row {@code r} (a bias broadcast).
     *
     * @param x the rows, updated in place
     * @param v {@code 1 × x.cols()}, outside x
     */
    void addRowVector(Tensor x, Tensor v);

    /**
     * Column sums: {@code out[0, c] ← (accumulate ? out[0, c] : 0) + Σ_r x[r, c]} (a bias gradient);
     * {@code out} is {@code 1 × cols}.
     *
     * @param x the rows
     * @param out {@code 1 × x.cols()}, outside x
     * @param accumulate add to {@code out} instead of overwriting it
     */
    void sumRows(Tensor x, Tensor out, boolean accumulate);

    // ---------------------------------------------------------------- embedding

    /**
     * {@code out[i, :] ← (accumulate ? out[i, :] : 0) + table[ids[idOffset + i], :]} for every row
     * {@code i} of {@code out}. {@code table.cols() == out.cols()}; ids must be valid rows of
     * {@code table}.
     *
     * @param table the rows to pick from
     * @param ids row numbers of {@code table}
     * @param idOffset the id of row 0 of {@code out}
     * @param out one row per id, outside {@code table}
     * @param accumulate add to {@code out} instead of overwriting it
     */
    void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate);

    /**
     * {@code table[ids[idOffset + i], :] += src[i, :]} for every row {@code i} of {@code src}.
     * Repeated ids accumulate. Always accumulates.
     *
     * @param src the rows to add
     * @param ids row numbers of {@code table}
     * @param idOffset the id of row 0 of {@code src}
     * @param table accumulated into, outside {@code src}
     */
    void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table);

    // ---------------------------------------------------------------- fused element-wise

    /**
     * Fused activation forward: {@code h ← f(s)} element-wise. {@code h} may be {@code s} (in
     * place) or a tensor of the same shape. For {@link Activation#PRELU}, {@code slope} is a
     * {@code 1 × cols} tensor of per-unit slopes; otherwise it is ignored and may be {@code null}.
     *
     * @param f the activation
     * @param s the pre-activations
     * @param h the output (may be {@code s})
     * @param slope PReLU slopes or null
     */
    void activationForward(Activation f, Tensor s, Tensor h, Tensor slope);

    /**
     * Fused activation backward: {@code g ← f'(s) ⊙ g}, in place, where {@code g} holds
     * {@code ∂E/∂h} on entry and {@code δ = ∂E/∂s} on exit. The derivative comes from the stored
     * {@code h} where the activation allows it (tanh, logistic) and from {@code s} otherwise.
     * For {@link Activation#PRELU}, {@code slopeGrad[0, j] += Σ_rows g[r, j] · s[r, j]} over the rows
     * with {@code s ≤ 0}, using {@code g} before it is overwritten; {@code slope} and
     * {@code slopeGrad} are {@code 1 × cols}, else ignored and may be {@code null}.
     *
     * @param f the activation
     * @param s the pre-activations of the forward step
     * @param h its outputs
     * @param g ∂E/∂h on entry, δ on exit
     * @param slope PReLU slopes or null
     * @param slopeGrad accumulates the PReLU slope gradient, or null
     */
    void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad);

    // ---------------------------------------------------------------- dropout

    /**
     * Fills {@code mask} with dropout factors from a counter-based generator, the same bits on every
     * backend: for the element at row-major index {@code i} of the mask, with SplitMix64's finalizer
     * {@code mix(z) = (z ^ z>>>31)} after {@code z = (z ^ z>>>30)·0xBF58476D1CE4E5B9},
     * {@code z = (z ^ z>>>27)·0x94D049BB133111EB} (unsigned shifts, wrapping products),
     * {@code v = mix(mix(seed ^ mix(stream)) + 0x9E3779B97F4A7C15·(i + 1))} and
     * {@code u = (v >>> 40) · 2^−24}: the element is {@code 0} when {@code u < p}, else
     * {@code 1 / (1 − p)} (computed in float). Overwrites.
     *
     * @param mask the factors, any shape (dense)
     * @param p the probability of a 0, in {@code [0, 1)}
     * @param seed the run's seed
     * @param stream what the mask is for (update, layer, place), so that masks differ
     */
    void dropoutMask(Tensor mask, float p, long seed, long stream);

    /**
     * {@code out[r, :] ← x[r, :] ⊙ factors[r mod factors.rows(), :]}: the element-wise product, with
     * {@code factors} repeated over blocks of rows when it has fewer rows than {@code x} (one mask
     * per sequence reused at every step). {@code out} may be {@code x} (in place) and must not overlap
     * {@code factors}.
     *
     * @param x the values, {@code n × c}
     * @param factors {@code m × c} with {@code m} dividing {@code n}
     * @param out {@code n × c}, written
     */
    void multiply(Tensor x, Tensor factors, Tensor out);

    /**
     * Fused softmax + cross-entropy + gradient, row by row. On entry {@code z} holds logits
     * ({@code n × V}); with {@code w_i = weights == null ? 1 : weights[i, 0]}:
     * {@code loss[0,0] += Σ_i w_i · (−log softmax(z_i)[targets[targetOffset + i]])} (accumulates) and
     * {@code z_i ← gradScale · w_i · (softmax(z_i) − onehot(target_i))} (overwrites). Rows with
     * {@code w_i == 0} get a zero gradient and add nothing, whatever their target.
     *
     * @param z logits in, ∂E/∂z out
     * @param targets target ids
     * @param targetOffset the target of row 0
     * @param weights {@code n × 1} loss weights, or null for 1
     * @param gradScale the factor of the gradient (1/Σw for a mean)
     * @param loss 1×1, accumulated into
     */
    void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights,
                             float gradScale, Tensor loss);

    /**
     * Fused squared error + gradient: with {@code w_i} as above,
     * {@code loss[0,0] += Σ_i w_i Σ_j (pred[i,j] − target[i,j])²} (accumulates) and
     * {@code pred ← gradScale · w_i · 2 (pred − target)} (overwrites; {@code pred} becomes ∂E/∂pred).
     *
     * @param pred predictions in, ∂E/∂pred out
     * @param target the targets, same shape
     * @param weights {@code n × 1} loss weights, or null for 1
     * @param gradScale the factor of the gradient
     * @param loss 1×1, accumulated into
     */
    void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss);

    /**
     * The per-row terms of Pascanu, Mikolov &amp; Bengio's vanishing-gradient regularizer Ω (ICML
     * 2013, eq. 9). With {@code n_v = ‖v_r‖}, {@code n_δ = ‖δ_r‖} and {@code ρ = n_v / n_δ}, for every
     * row with {@code n_δ > 0}: {@code sum[0,0] += (ρ − 1)²} (accumulates, in float64 inside the
     * kernel) and {@code out_r = 2(ρ − 1) / (n_v · n_δ) · v_r}, the gradient of {@code (ρ − 1)²} with
     * respect to {@code v_r} (0 when {@code n_v = 0}); a row with {@code n_δ = 0} adds nothing and gets
     * {@code out_r = 0}.
     *
     * @param v the back-propagated rows, {@code n × c}
     * @param delta the rows they came from, {@code n × c}
     * @param out {@code n × c}, written; may be {@code v}
     * @param sum 1×1, accumulated into
     */
    void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum);

    /**
     * Global-norm clipping factor, computed on the backend: with {@code n = √sumSquares[0,0]},
     * {@code scale[0,0] ← n ≥ threshold ? threshold / n : 1}. {@code threshold} may be
     * {@link Float#POSITIVE_INFINITY} (no clipping: scale 1). A non-finite norm gives a non-finite
     * scale, so that the caller's non-finite check sees it.
     *
     * @param sumSquares 1×1: the squared norm
     * @param threshold θ
     * @param scale 1×1, written
     */
    void clipScale(Tensor sumSquares, float threshold, Tensor scale);

    /**
     * One fused optimizer update over a whole parameter arena (see {@link UpdateRule} for the
     * formulas): reads {@code grads}, multiplies by {@code gradScale[0,0]}, clamps to the rule's
     * clip value, updates the state arenas (as many as {@link UpdateRule#stateTensors()}, in the
     * order {@link UpdateRule} lists them; the others may be {@code null}) and {@code params} in
     * place. {@code step} is the 1-based update count (for Adam's bias correction). All tensors have
     * the same shape; {@code grads} is not modified.
     *
     * @param rule the optimizer and its hyper-parameters
     * @param params updated in place
     * @param grads read
     * @param state1 the first state arena, or null when the rule needs none
     * @param state2 the second state arena, or null when the rule needs fewer
     * @param state3 the third state arena (RMSProp with momentum, centered), or null
     * @param gradScale 1×1: the clipping factor
     * @param step the 1-based update count
     */
    void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                         Tensor gradScale, long step);

    /**
     * The update of a training step, gated on the backend: when {@code check} is not null and
     * holds a NaN or an infinity, nothing changes; otherwise {@link #optimizerUpdate} runs as
     * update number {@code control[0,0] + 1} with the learning rate {@code control[0,1]}, and
     * {@code control[0,0]} becomes that number. The caller keeps the same values on the host and
     * passes them as {@code step} and {@code rule.learningRate()}; the two agree, so a backend takes
     * whichever it can read without waiting. A backend that reads {@code check} and {@code control}
     * where it runs needs no host round trip here, and its call can be {@linkplain #capture
     * captured} once and replayed for every later update (the count and the rate move in
     * {@code control}); the default downloads {@code check}. The count is a float: exact to 2²⁴
     * updates, beyond which Adam's bias corrections are 1 in float anyway.
     *
     * @param rule as {@link #optimizerUpdate}
     * @param params as {@link #optimizerUpdate}
     * @param grads as {@link #optimizerUpdate}
     * @param state1 as {@link #optimizerUpdate}
     * @param state2 as {@link #optimizerUpdate}
     * @param state3 as {@link #optimizerUpdate}
     * @param gradScale as {@link #optimizerUpdate}
     * @param check values that must all be finite for the update to run (the step's loss and
     *     squared gradient norm), or null to update unconditionally
     * @param control 1×2: the updates applied so far, and the learning rate of this update
     * @param step the caller's count of applied updates, plus one
     */
    default void gatedUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                             Tensor state3, Tensor gradScale, Tensor check, Tensor control, long step) {
        StepGate.onHost(this, rule, params, grads, state1, state2, state3, gradScale, check, control, step);
    }

    /**
     * Captures the backend work that {@code work} queues, without running it, as one replayable
     * unit (a CUDA graph): {@link Captured#replay()} queues it again with every argument as it
     * was during the capture. {@code work} may only queue kernels on existing tensors: no
     * allocation, transfer or synchronization. Returns null when this backend does not capture
     * (the default): the caller then runs {@code work} itself.
     *
     * @param work queues the work to capture
     * @return the captured work, or null
     */
    default Captured capture(Runnable work) {
        return null;
    }

    /**
     * Device operations (kernel launches, library calls, copies, graph launches) queued since the
     * backend started, for {@code step --profile}; -1 when the backend does not count them.
     *
     * @return the count, or -1
     */
    default long operationsQueued() {
        return -1;
    }

    /** Waits until all queued work is done. A no-op on a synchronous backend. */
    void synchronize();

    /** Releases backend resources (not the buffers the caller still owns). Idempotent. */
    @Override
    void close();
}

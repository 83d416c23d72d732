package io.rnn4j.data;

import java.util.Arrays;

/**
 * One training batch of {@code B} sequences of {@code T} steps, stored <b>time-major</b>: position
 * {@code (t, b)} is index {@code t·B + b}. Inputs are token ids or dense vectors; targets are token
 * ids (softmax cross-entropy), dense vectors at every step, or dense vectors at the last step only.
 *
 * <p>Variable lengths: {@link #withLengths(int[])} marks steps {@code t ≥ length[b]} as padding
 * (no loss, no gradient, token ids there are not read, and a carried hidden state is taken from
 * step {@code length[b] − 1}). A loss mask ({@link #withLossMask(float[])}) weights each step's loss by a
 * non-negative factor, 0 removing it; the recurrence still runs through masked steps, and the
 * gradient is that of the masked loss.
 *
 * <p>The constructor checks structure (sizes, T and B positive); values (id ranges, finiteness)
 * are checked against the model by the trainer, which names the offending position. Arrays are
 * not copied: do not modify them while the batch is in use. Serializable (for Spark and the
 * like): a deserialized batch is checked again as if constructed.
 */
public final class Batch implements java.io.Serializable {
    /** The serialized form's version. */
    private static final long serialVersionUID = 1L;
    /** B. */
    private final int batchSize;
    /** T. */
    private final int steps;
    /** Token inputs, {@code T·B}, or null. */
    private final int[] inputIds;
    /** Dense inputs, {@code T·B·D}, or null. */
    private final float[] inputs;
    /** D, or 0 for tokens. */
    private final int inputWidth;
    /** Token targets or labels, or null. */
    private final int[] targetIds;
    /** Dense targets, or null. */
    private final float[] targets;
    /** O for dense targets, else 0. */
    private final int targetWidth;
    /** Whether the targets are read at each sequence's last step only. */
    private final boolean targetsAtLastStepOnly;
    /** Per-sequence lengths, or null. */
    private final int[] lengths;
    /** The loss mask, {@code T·B}, or null. */
    private final float[] lossMask;

    private Batch(int batchSize, int steps, int[] inputIds, float[] inputs, int inputWidth, int[] targetIds,
                  float[] targets, int targetWidth, boolean lastOnly, int[] lengths, float[] lossMask) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size B must be at least 1, got " + batchSize);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("sequence length T must be at least 1, got " + steps);
        }
        long n = (long) batchSize * steps;
        if (n > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("batch of " + batchSize + "x" + steps + " is too large");
        }
        if (inputIds != null && inputIds.length != n) {
            throw new IllegalArgumentException("input ids: expected T·B = " + n + " values, got " + inputIds.length);
        }
        if (inputs != null) {
            if (inputWidth < 1) {
                throw new IllegalArgumentException("input width must be at least 1, got " + inputWidth);
            }
            if (inputs.length != n * inputWidth) {
                throw new IllegalArgumentException("dense inputs: expected T·B·D = " + n + "·" + inputWidth
                        + " values, got " + inputs.length);
            }
        }
        if ((inputIds == null) == (inputs == null)) {
            throw new IllegalArgumentException("a batch needs exactly one of token ids or dense inputs");
        }
        if (targetIds != null && targetIds.length != (lastOnly ? batchSize : n)) {
            throw new IllegalArgumentException("target ids: expected " + (lastOnly ? "B = " + batchSize : "T·B = " + n)
                    + " values, got " + targetIds.length);
        }
        if (targets != null) {
            if (targetWidth < 1) {
                throw new IllegalArgumentException("target width must be at least 1, got " + targetWidth);
            }
            long want = (lastOnly ? batchSize : n) * (long) targetWidth;
            if (targets.length != want) {
                throw new IllegalArgumentException("dense targets: expected " + (lastOnly ? "B·O = " : "T·B·O = ")
                        + want + " values, got " + targets.length);
            }
        }
        if ((targetIds == null) == (targets == null)) {
            throw new IllegalArgumentException("a batch needs exactly one of target ids or dense targets");
        }
        if (lengths != null) {
            if (lengths.length != batchSize) {
                throw new IllegalArgumentException("lengths: expected B = " + batchSize + " values, got " + lengths.length);
            }
            for (int b = 0; b < batchSize; b++) {
                if (lengths[b] < 1 || lengths[b] > steps) {
                    throw new IllegalArgumentException("length " + lengths[b] + " of sequence " + b
                            + " is outside [1, " + steps + "]");
                }
            }
        }
        if (lossMask != null) {
            if (lossMask.length != n) {
                throw new IllegalArgumentException("loss mask: expected T·B = " + n + " values, got " + lossMask.length);
            }
            for (int i = 0; i < lossMask.length; i++) {
                if (!(lossMask[i] >= 0) || Float.isInfinite(lossMask[i])) {
                    throw new IllegalArgumentException("loss mask value " + lossMask[i] + " at (batch " + (i % batchSize)
                            + ", step " + (i / batchSize) + ") must be finite and >= 0");
                }
            }
        }
        this.batchSize = batchSize;
        this.steps = steps;
        this.inputIds = inputIds;
        this.inputs = inputs;
        this.inputWidth = inputs == null ? 0 : inputWidth;
        this.targetIds = targetIds;
        this.targets = targets;
        this.targetWidth = targets == null ? 0 : targetWidth;
        this.targetsAtLastStepOnly = lastOnly;
        this.lengths = lengths;
        this.lossMask = lossMask;
    }

    /**
     * Token inputs and token targets, time-major arrays of length {@code T·B}.
     *
     * @param batchSize B, sequences per batch, at least 1
     * @param steps T, steps per sequence, at least 1
     * @param inputIds {@code T·B} input token ids, row {@code t·B + b}
     * @param targetIds {@code T·B} target token ids
     * @return the batch (checked against the model when it is trained on)
     */
    public static Batch tokensTimeMajor(int batchSize, int steps, int[] inputIds, int[] targetIds) {
        return new Batch(batchSize, steps, inputIds, null, 0, targetIds, null, 0, false, null, null);
    }

    /**
     * Token inputs and targets given per sequence: {@code inputs[b][t]}, all rows of equal length.
     *
     * @param inputs {@code [B][T]} input token ids
     * @param targets {@code [B][T]} target token ids
     * @return the batch, time-major
     */
    public static Batch tokens(int[][] inputs, int[][] targets) {
        int b = inputs.length;
        if (b == 0) {
            throw new IllegalArgumentException("batch size B must be at least 1, got 0");
        }
        int t = inputs[0].length;
        if (targets.length != b) {
            throw new IllegalArgumentException("inputs have " + b + " sequences but targets have " + targets.length);
        }
        return tokensTimeMajor(b, t, transpose("inputs", inputs, t), transpose("targets", targets, t));
    }

    /**
     * Dense inputs ({@code T·B·D}) and dense targets at every step ({@code T·B·O}), time-major.
     *
     * @param batchSize B
     * @param steps T
     * @param inputs {@code T·B·D} input values
     * @param inputWidth D, values per input vector
     * @param targets {@code T·B·O} target values
     * @param targetWidth O, values per target vector
     * @return the batch
     */
    public static Batch denseTimeMajor(int batchSize, int steps, float[] inputs, int inputWidth, float[] targets,
                                       int targetWidth) {
        return new Batch(batchSize, steps, null, inputs, inputWidth, null, targets, targetWidth, false, null, null);
    }

    /**
     * Dense inputs ({@code T·B·D}, time-major) and one dense target per sequence ({@code B·O}).
     *
     * @param batchSize B
     * @param steps T
     * @param inputs {@code T·B·D} input values
     * @param inputWidth D
     * @param targets {@code B·O} target values, one vector per sequence
     * @param targetWidth O
     * @return the batch
     */
    public static Batch denseLastStep(int batchSize, int steps, float[] inputs, int inputWidth, float[] targets,
                                      int targetWidth) {
        return new Batch(batchSize, steps, null, inputs, inputWidth, null, targets, targetWidth, true, null, null);
    }

    /**
     * Token inputs ({@code T·B}, time-major) and one dense target per sequence ({@code B·O}).
     *
     * @param batchSize B
     * @param steps T
     * @param inputIds {@code T·B} input token ids
     * @param targets {@code B·O} target values, one vector per sequence
     * @param targetWidth O
     * @return the batch
     */
    public static Batch tokensLastStep(int batchSize, int steps, int[] inputIds, float[] targets, int targetWidth) {
        return new Batch(batchSize, steps, inputIds, null, 0, null, targets, targetWidth, true, null, null);
    }

    /**
     * Dense inputs ({@code T·B·D}, time-major) with token targets ({@code T·B}).
     *
     * @param batchSize B
     * @param steps T
     * @param inputs {@code T·B·D} input values
     * @param inputWidth D
     * @param targetIds {@code T·B} target token ids
     * @return the batch
     */
    public static Batch denseWithTokenTargets(int batchSize, int steps, float[] inputs, int inputWidth,
                                              int[] targetIds) {
        return new Batch(batchSize, steps, null, inputs, inputWidth, targetIds, null, 0, false, null, null);
    }

    /**
     * Token inputs ({@code T·B}) with dense targets at every step ({@code T·B·O}), time-major.
     *
     * @param batchSize B
     * @param steps T
     * @param inputIds {@code T·B} input token ids
     * @param targets {@code T·B·O} target values
     * @param targetWidth O
     * @return the batch
     */
    public static Batch tokensWithDenseTargets(int batchSize, int steps, int[] inputIds, float[] targets,
                                               int targetWidth) {
        return new Batch(batchSize, steps, inputIds, null, 0, null, targets, targetWidth, false, null, null);
    }

    /**
     * Sequence classification with token inputs: {@code T·B} time-major ids and one label per
     * sequence ({@code B}), read at each sequence's last step.
     *
     * @param batchSize B
     * @param steps T
     * @param inputIds {@code T·B} input token ids
     * @param labels {@code B} class labels in {@code [0, O)}
     * @return the batch
     */
    public static Batch tokensClassification(int batchSize, int steps, int[] inputIds, int[] labels) {
        return new Batch(batchSize, steps, inputIds, null, 0, labels, null, 0, true, null, null);
    }

    /**
     * Sequence classification with token inputs given per sequence: {@code inputs[b][t]} and {@code labels[b]}.
     *
     * @param inputs {@code [B][T]} input token ids
     * @param labels {@code B} class labels in {@code [0, O)}
     * @return the batch, time-major
     */
    public static Batch classification(int[][] inputs, int[] labels) {
        if (inputs.length == 0) {
            throw new IllegalArgumentException("batch size B must be at least 1, got 0");
        }
        return tokensClassification(inputs.length, inputs[0].length, transpose("inputs", inputs, inputs[0].length),
                labels);
    }

    /**
     * Sequence classification with dense inputs ({@code T·B·D}, time-major) and one label per sequence.
     *
     * @param batchSize B
     * @param steps T
     * @param inputs {@code T·B·D} input values
     * @param inputWidth D
     * @param labels {@code B} class labels in {@code [0, O)}
     * @return the batch
     */
    public static Batch denseClassification(int batchSize, int steps, float[] inputs, int inputWidth, int[] labels) {
        return new Batch(batchSize, steps, null, inputs, inputWidth, labels, null, 0, true, null, null);
    }

    /**
     * A copy with per-sequence lengths in {@code [1, T]}.
     *
     * @param lengths {@code B} lengths; steps at or beyond a sequence's length add no loss and no gradient
     * @return a new batch sharing the arrays
     */
    public Batch withLengths(int[] lengths) {
        return new Batch(batchSize, steps, inputIds, inputs, inputWidth, targetIds, targets, targetWidth,
                targetsAtLastStepOnly, lengths, lossMask);
    }

    /**
     * A copy with a time-major loss mask of {@code T·B} non-negative weights.
     *
     * @param mask {@code T·B} finite weights {@code ≥ 0}, time-major
     * @return a new batch sharing the arrays
     */
    public Batch withLossMask(float[] mask) {
        return new Batch(batchSize, steps, inputIds, inputs, inputWidth, targetIds, targets, targetWidth,
                targetsAtLastStepOnly, lengths, mask);
    }

    /**
     * Steps {@code [from, from + count)} of this batch, for equal-length sequences: the inputs, the
     * per-step targets and the loss mask of those steps (copies); last-step targets are kept as they
     * are, so they belong to the window that ends the sequences.
     *
     * @param from the first step
     * @param count the steps, at least 1, with {@code from + count ≤ T}
     * @return the window
     * @throws IllegalArgumentException for a range outside {@code [0, T]} or a batch with lengths
     */
    public Batch window(int from, int count) {
        if (from < 0 || count < 1 || (long) from + count > steps) {
            throw new IllegalArgumentException("window of " + count + " steps from step " + from + " ([" + from + ", "
                    + ((long) from + count) + ")) is outside the batch's steps [0, " + steps + ")");
        }
        if (lengths != null) {
            throw new IllegalArgumentException("a window needs equal-length sequences (this batch has lengths)");
        }
        int lo = from * batchSize;
        int hi = (from + count) * batchSize;
        boolean perStepIds = targetIds != null && !targetsAtLastStepOnly;
        boolean perStepDense = targets != null && !targetsAtLastStepOnly;
        return new Batch(batchSize, count, inputIds == null ? null : Arrays.copyOfRange(inputIds, lo, hi),
                inputs == null ? null : Arrays.copyOfRange(inputs, lo * inputWidth, hi * inputWidth), inputWidth,
                perStepIds ? Arrays.copyOfRange(targetIds, lo, hi) : targetIds,
                perStepDense ? Arrays.copyOfRange(targets, lo * targetWidth, hi * targetWidth) : targets, targetWidth,
                targetsAtLastStepOnly, null, lossMask == null ? null : Arrays.copyOfRange(lossMask, lo, hi));
    }

    /**
     * A deserialized batch passes the constructor's checks again.
     *
     * @return the checked batch
     */
    private Object readResolve() {
        return new Batch(batchSize, steps, inputIds, inputs, inputWidth, targetIds, targets, targetWidth,
                targetsAtLastStepOnly, lengths, lossMask);
    }

    private static int[] transpose(String what, int[][] rows, int t) {
        int b = rows.length;
        int[] out = new int[b * t];
        for (int i = 0; i < b; i++) {
            if (rows[i].length != t) {
                throw new IllegalArgumentException(what + ": sequence " + i + " has " + rows[i].length
                        + " steps, sequence 0 has " + t);
            }
            for (int s = 0; s < t; s++) {
                out[s * b + i] = rows[i][s];
            }
        }
        return out;
    }

    /** {@return B} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return T} */
    public int steps() {
        return steps;
    }

    /** {@return whether inputs are token ids} */
    public boolean hasTokenInputs() {
        return inputIds != null;
    }

    /** {@return whether targets are token ids} */
    public boolean hasTokenTargets() {
        return targetIds != null;
    }

    /** {@return whether targets (dense, or labels) exist only for each sequence's last step} */
    public boolean targetsAtLastStepOnly() {
        return targetsAtLastStepOnly;
    }

    /** {@return time-major input ids, or null} Not a copy. */
    public int[] inputIds() {
        return inputIds;
    }

    /** {@return time-major dense inputs, or null} Not a copy. */
    public float[] inputs() {
        return inputs;
    }

    /** {@return D for dense inputs, 0 otherwise} */
    public int inputWidth() {
        return inputWidth;
    }

    /** {@return time-major target ids ({@code T·B}), or one label per sequence ({@code B}) for classification, or null} Not a copy. */
    public int[] targetIds() {
        return targetIds;
    }

    /** {@return dense targets, or null} Not a copy. */
    public float[] targets() {
        return targets;
    }

    /** {@return O for dense targets, 0 otherwise} */
    public int targetWidth() {
        return targetWidth;
    }

    /** {@return per-sequence lengths, or null (all T)} Not a copy. */
    public int[] lengths() {
        return lengths;
    }

    /** {@return time-major loss mask, or null} Not a copy. */
    public float[] lossMask() {
        return lossMask;
    }

    /**
     * Whether position {@code (t, b)} is inside its sequence.
     *
     * @param t the step
     * @param b the sequence
     * @return whether {@code t} is below sequence {@code b}'s length
     */
    public boolean valid(int t, int b) {
        return lengths == null || t < lengths[b];
    }

    @Override
    public String toString() {
        return "Batch[B=" + batchSize + ", T=" + steps + (inputIds != null ? ", tokens" : ", dense D=" + inputWidth)
                + (targetIds != null ? ", token targets" : ", dense targets O=" + targetWidth
                + (targetsAtLastStepOnly ? " (last step)" : ""))
                + (lengths != null ? ", lengths " + Arrays.toString(lengths) : "")
                + (lossMask != null ? ", loss mask" : "") + "]";
    }
}

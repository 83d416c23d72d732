package io.rnn4j.spark;

import io.rnn4j.data.Batch;
import java.io.Serializable;

/**
 * A {@link Batch} as Spark moves it between machines: its arrays and shape, serializable.
 *
 * @param batchSize B
 * @param steps T
 * @param inputIds token inputs ({@code T·B}), or null
 * @param inputs dense inputs ({@code T·B·D}), or null
 * @param inputWidth D (0 for tokens)
 * @param targetIds token targets or labels, or null
 * @param targets dense targets, or null
 * @param targetWidth O for dense targets, else 0
 * @param lastStepOnly whether the targets are read at each sequence's last step only
 * @param lengths per-sequence lengths, or null
 * @param lossMask the loss mask ({@code T·B}), or null
 */
public record BatchData(int batchSize, int steps, int[] inputIds, float[] inputs, int inputWidth, int[] targetIds,
                        float[] targets, int targetWidth, boolean lastStepOnly, int[] lengths, float[] lossMask)
        implements Serializable {

    /**
     * The arrays of {@code b} (shared, not copied).
     *
     * @param b the batch
     * @return its serializable form
     */
    public static BatchData of(Batch b) {
        return new BatchData(b.batchSize(), b.steps(), b.inputIds(), b.inputs(), b.inputWidth(), b.targetIds(),
                b.targets(), b.targetWidth(), b.targetsAtLastStepOnly(), b.lengths(), b.lossMask());
    }

    /** {@return the batch again (its structure checked as when it was made)} */
    public Batch toBatch() {
        int b = batchSize;
        int t = steps;
        Batch out;
        if (lastStepOnly) {
            if (targetIds != null) {
                out = inputIds != null ? Batch.tokensClassification(b, t, inputIds, targetIds)
                        : Batch.denseClassification(b, t, inputs, inputWidth, targetIds);
            } else {
                out = inputIds != null ? Batch.tokensLastStep(b, t, inputIds, targets, targetWidth)
                        : Batch.denseLastStep(b, t, inputs, inputWidth, targets, targetWidth);
            }
        } else if (targetIds != null) {
            out = inputIds != null ? Batch.tokensTimeMajor(b, t, inputIds, targetIds)
                    : Batch.denseWithTokenTargets(b, t, inputs, inputWidth, targetIds);
        } else {
            out = inputIds != null ? Batch.tokensWithDenseTargets(b, t, inputIds, targets, targetWidth)
                    : Batch.denseTimeMajor(b, t, inputs, inputWidth, targets, targetWidth);
        }
        if (lengths != null) {
            out = out.withLengths(lengths);
        }
        if (lossMask != null) {
            out = out.withLossMask(lossMask);
        }
        return out;
    }
}

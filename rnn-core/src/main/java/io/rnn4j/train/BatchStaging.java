package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.RnnConfig;

/**
 * Checks a batch against the model and the loss, then stages it into the workspace: token ids and
 * targets with padded positions zeroed, loss weights from lengths and masks, each sequence's last
 * row. Validation happens before anything changes; a bad batch throws
 * {@link IllegalArgumentException} naming the value and its position.
 */
final class BatchStaging {
    private final RnnConfig mc;
    private final Loss loss;
    private final boolean bidirectional;

    /** Facts found by the last {@link #stage}: whether weights are needed, their sum, positions that count. */
    boolean weighted;
    double weightSum;
    long contributing;
    /** Consecutive pairs of steps inside the sequences, {@code Σ_b (length_b − 1)} (the regularizer's N). */
    long pairs;

    BatchStaging(RnnConfig mc, Loss loss) {
        this.mc = mc;
        this.loss = loss;
        this.bidirectional = mc.bidirectional();
    }

    /** Checks kinds, widths and every value of {@code batch}; changes nothing. */
    void validate(Batch batch) {
        boolean tokensIn = mc.inputKind() == InputKind.TOKENS;
        if (batch.hasTokenInputs() != tokensIn) {
            throw new IllegalArgumentException("the model takes " + (tokensIn ? "token ids" : "dense vectors")
                    + " but the batch has " + (batch.hasTokenInputs() ? "token ids" : "dense vectors"));
        }
        if (!tokensIn && batch.inputWidth() != mc.inputSize()) {
            throw new IllegalArgumentException("dense input width " + batch.inputWidth() + " does not match the model's "
                    + mc.inputSize());
        }
        boolean lastHead = loss.lastStepOnly();
        if (loss.tokenTargets()) {
            if (!batch.hasTokenTargets()) {
                throw new IllegalArgumentException(loss + " needs token targets, the batch has dense targets");
            }
            if (batch.targetsAtLastStepOnly() != lastHead) {
                throw new IllegalArgumentException(loss + " needs " + (lastHead
                        ? "one label per sequence (B; Batch.tokensClassification)" : "a target id at every step (T·B)"));
            }
        } else {
            if (batch.hasTokenTargets()) {
                throw new IllegalArgumentException(loss + " needs dense targets, the batch has token targets");
            }
            if (batch.targetWidth() != mc.outputSize()) {
                throw new IllegalArgumentException("target width " + batch.targetWidth()
                        + " does not match the model's output size " + mc.outputSize());
            }
            if (batch.targetsAtLastStepOnly() != lastHead) {
                throw new IllegalArgumentException(loss + " needs targets " + (lastHead ? "for the last step only (B·O)"
                        : "at every step (T·B·O)"));
            }
        }
        validateValues(batch);
    }

    private void validateValues(Batch batch) {
        int b = batch.batchSize();
        int n = b * batch.steps();
        float[] mask = batch.lossMask();
        if (batch.hasTokenInputs()) {
            int[] ids = batch.inputIds();
            int v = mc.inputSize();
            for (int i = 0; i < n; i++) {
                int id = ids[i];
                if ((id < 0 || id >= v) && batch.valid(i / b, i % b)) {
                    throw new IllegalArgumentException("input token id " + id + " at (batch " + (i % b) + ", step "
                            + (i / b) + ") is outside [0, " + v + ")");
                }
            }
        } else {
            checkFinite("input", batch.inputs(), b, batch.inputWidth());
        }
        if (batch.hasTokenTargets() && batch.targetsAtLastStepOnly()) {
            int[] ids = batch.targetIds();
            int o = mc.outputSize();
            for (int s = 0; s < b; s++) {
                int last = (batch.lengths() == null ? batch.steps() : batch.lengths()[s]) - 1;
                boolean counts = mask == null || mask[last * b + s] > 0;
                if ((ids[s] < 0 || ids[s] >= o) && counts) {
                    throw new IllegalArgumentException("label " + ids[s] + " of sequence " + s + " is outside [0, " + o
                            + ")");
                }
            }
        } else if (batch.hasTokenTargets()) {
            int[] ids = batch.targetIds();
            int o = mc.outputSize();
            for (int i = 0; i < n; i++) {
                int id = ids[i];
                boolean counts = batch.valid(i / b, i % b) && (mask == null || mask[i] > 0);
                if ((id < 0 || id >= o) && counts) {
                    throw new IllegalArgumentException("target token id " + id + " at (batch " + (i % b) + ", step "
                            + (i / b) + ") is outside [0, " + o + ")");
                }
            }
        } else if (batch.targetsAtLastStepOnly()) {
            float[] y = batch.targets();
            for (int i = 0; i < y.length; i++) {
                if (!Float.isFinite(y[i])) {
                    throw new IllegalArgumentException("target value " + y[i] + " of (batch " + (i / batch.targetWidth())
                            + ", output " + (i % batch.targetWidth()) + ") is not finite");
                }
            }
        } else {
            checkFinite("target", batch.targets(), b, batch.targetWidth());
        }
    }

    private static void checkFinite(String what, float[] x, int b, int width) {
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i])) {
                int row = i / width;
                throw new IllegalArgumentException(what + " value " + x[i] + " at (batch " + (row % b) + ", step "
                        + (row / b) + ", feature " + (i % width) + ") is not finite");
            }
        }
    }

    /** Fills the workspace's host scratch from a validated batch and uploads it. */
    void stage(Batch batch, Workspace ws, Backend backend) {
        boolean lastHead = loss.lastStepOnly();
        int b = batch.batchSize();
        int steps = batch.steps();
        int n = b * steps;
        int[] lengths = batch.lengths();
        float[] mask = batch.lossMask();
        for (int s = 0; s < b; s++) {
            int last = lengths == null ? steps - 1 : lengths[s] - 1;
            ws.lastRowScratch[s] = last * b + s;
        }
        weighted = lengths != null || mask != null;
        if (batch.hasTokenInputs()) {
            int[] ids = batch.inputIds();
            for (int i = 0; i < n; i++) {
                ws.idScratch[i] = batch.valid(i / b, i % b) ? ids[i] : 0;
            }
        }
        if (batch.hasTokenTargets() && lastHead) {
            int[] ids = batch.targetIds();
            for (int s = 0; s < b; s++) {
                boolean counts = mask == null || mask[ws.lastRowScratch[s]] > 0;
                ws.targetScratch[s] = counts ? ids[s] : 0;
            }
        } else if (batch.hasTokenTargets()) {
            int[] ids = batch.targetIds();
            for (int i = 0; i < n; i++) {
                boolean counts = batch.valid(i / b, i % b) && (mask == null || mask[i] > 0);
                ws.targetScratch[i] = counts ? ids[i] : 0;
            }
        }
        double sum = 0;
        long count = 0;
        int positions = lastHead ? b : n;
        for (int i = 0; i < positions; i++) {
            float w;
            if (lastHead) {
                w = mask == null ? 1f : mask[ws.lastRowScratch[i]];
            } else {
                w = batch.valid(i / b, i % b) ? (mask == null ? 1f : mask[i]) : 0f;
            }
            ws.weightScratch[i] = w;
            sum += w;
            count += w > 0 ? 1 : 0;
        }
        weightSum = sum;
        contributing = count;
        pairs = 0;
        for (int s = 0; s < b; s++) {
            pairs += (lengths == null ? steps : lengths[s]) - 1;
        }
        if (bidirectional) {
            // P: (t, b) ↔ (length_b − 1 − t, b) inside each sequence, padding in place; an involution.
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < b; s++) {
                    int len = lengths == null ? steps : lengths[s];
                    ws.permScratch[t * b + s] = t < len ? (len - 1 - t) * b + s : t * b + s;
                }
            }
            backend.uploadIndices(ws.permScratch, 0, ws.perm, n);
        }
        upload(batch, ws, backend);
    }

    private void upload(Batch batch, Workspace ws, Backend backend) {
        int n = ws.rows;
        if (batch.hasTokenInputs()) {
            backend.uploadIndices(ws.idScratch, 0, ws.inputIds, n);
        } else {
            backend.upload(batch.inputs(), 0, ws.inputs);
        }
        if (batch.hasTokenTargets()) {
            backend.uploadIndices(ws.targetScratch, 0, ws.targetIds, batch.targetsAtLastStepOnly() ? ws.batch : n);
        } else {
            backend.upload(batch.targets(), 0, ws.targets);
        }
        backend.uploadIndices(ws.lastRowScratch, 0, ws.lastRows, ws.batch);
        if (weighted) {
            backend.upload(ws.weightScratch, 0, ws.headWeights);
        }
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.diagnostics.NonFiniteLocation;
import io.rnn4j.nn.Arena;
import io.rnn4j.nn.Cell;
import io.rnn4j.nn.LayerBuffers;
import io.rnn4j.nn.ParameterLayout;

/**
 * Finds the first NaN or infinity of a step, in the order the step computed them: the forward pass
 * layer by layer and step by step (pre-activation or gates, then hidden state), the head (∂E/∂z
 * after the loss kernel), the backward sweep from the top layer and the last step down, then the
 * parameter gradients. Runs only when a step's loss or norm is not finite (it downloads everything).
 */
final class NonFiniteLocator {
    private final Backend backend;
    private final Cell cell;
    private final int hiddenSize;
    private final boolean perStepHead;

    NonFiniteLocator(Backend backend, Cell cell, int hiddenSize, boolean perStepHead) {
        this.backend = backend;
        this.cell = cell;
        this.hiddenSize = hiddenSize;
        this.perStepHead = perStepHead;
    }

    NonFiniteLocation locate(Workspace w, Arena grads, double loss) {
        int layerCount = w.layers.length;
        for (int l = 0; l < layerCount; l++) {
            for (int d = 0; d < w.layers[l].dirs.length; d++) {
                LayerBuffers buf = w.layers[l].dirs[d];
                String layer = layerName(l, d, layerCount);
                float[] pre = download(buf.pre);
                float[] hid = download(buf.hiddenOut);
                for (int t = 0; t < w.steps; t++) {
                    NonFiniteLocation loc = scanBlock(layer + cell.preName(), pre, t, w.batch, buf.pre.cols());
                    if (loc == null) {
                        loc = scanBlock(layer + "hidden state", hid, t, w.batch, hiddenSize);
                    }
                    if (loc != null) {
                        return loc;
                    }
                }
            }
        }
        float[] z = download(w.logits);
        for (int i = 0; i < z.length; i++) {
            if (!Float.isFinite(z[i])) {
                int row = i / w.logits.cols();
                return new NonFiniteLocation("∂E/∂z (output head)", perStepHead ? row / w.batch : w.steps - 1,
                        row % w.batch, i % w.logits.cols(), z[i]);
            }
        }
        for (int l = layerCount - 1; l >= 0; l--) {
            for (int d = 0; d < w.layers[l].dirs.length; d++) {
                float[] g = download(w.layers[l].dirs[d].grad);
                for (int t = w.steps - 1; t >= 0; t--) {
                    NonFiniteLocation loc = scanBlock(layerName(l, d, layerCount) + cell.gradName(), g, t, w.batch,
                            hiddenSize);
                    if (loc != null) {
                        return loc;
                    }
                }
            }
        }
        for (ParameterLayout.Entry e : grads.layout().entries()) {
            float[] v = grads.download(e.name());
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    return new NonFiniteLocation("gradient of " + e.name(), -1, -1, i, v[i]);
                }
            }
        }
        return new NonFiniteLocation("loss", -1, -1, 0, (float) loss);
    }

    /** "", "layer 1 ", "reverse ", "layer 0 reverse " (the reverse direction's steps are in reversed order). */
    private static String layerName(int l, int d, int layers) {
        return (layers == 1 ? "" : "layer " + l + " ") + (d == 1 ? "reverse " : "");
    }

    private float[] download(Tensor t) {
        float[] out = new float[(int) t.size()];
        backend.download(t, out, 0);
        return out;
    }

    private static NonFiniteLocation scanBlock(String what, float[] data, int t, int batch, int h) {
        int from = t * batch * h;
        for (int i = from; i < from + batch * h; i++) {
            if (!Float.isFinite(data[i])) {
                return new NonFiniteLocation(what, t, (i - from) / h, (i - from) % h, data[i]);
            }
        }
        return null;
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.nn.Cell;
import io.rnn4j.nn.LayerBuffers;

/**
 * One recurrent layer of the stack for a fixed (B, T): its directions' {@link LayerBuffers}, the
 * reverse direction's buffers in the original time order, and the layer's output parts (one per
 * direction) as the next layer or the head reads them, with their dropout masks.
 *
 * <p>The reverse direction runs its cell on rows permuted by the batch's involution P (row
 * (t, b) ↔ (length_b − 1 − t, b) inside each sequence, padding fixed): its input projection is
 * computed in the original order into {@link #revPre} and gathered by P; its outputs are gathered
 * back by P into {@link #revOut}; backward, the same two gathers carry the gradients.
 */
final class StackLayer implements AutoCloseable {
    /** The directions' buffers: [0] forward, [1] reverse (in reversed time). */
    final LayerBuffers[] dirs;
    /** Reverse direction, original order: input projection, Δ, outputs and their gradient (null when unidirectional). */
    final Tensor revPre;
    final Tensor revDelta;
    final Tensor revOut;
    final Tensor revOutGrad;
    /** The output parts, one per direction, {@code T·B × H}, and where their gradient goes. */
    final Tensor[] raw;
    final Tensor[] rawGrad;
    /** Dropout: the masks ({@code T·B × H}, or {@code B × H} variational), the dropped parts and their gradient; null without. */
    final Tensor[] masks;
    final Tensor[] dropped;
    final Tensor[] droppedGrad;
    /** Δ of each direction in the original order, set by the backward sweep. */
    final Tensor[] delta;

    StackLayer(Backend backend, Cell cell, int directions, int batch, int steps, int hidden, Dropout dropout) {
        int rows = batch * steps;
        int gh = cell.gates() * hidden;
        dirs = new LayerBuffers[directions];
        for (int d = 0; d < directions; d++) {
            dirs[d] = new LayerBuffers(backend, cell, batch, steps, hidden);
        }
        boolean bi = directions == 2;
        revPre = bi ? backend.allocate(rows, gh) : null;
        revDelta = bi ? backend.allocate(rows, gh) : null;
        revOut = bi ? backend.allocate(rows, hidden) : null;
        revOutGrad = bi ? backend.allocate(rows, hidden) : null;
        raw = bi ? new Tensor[] {dirs[0].hiddenOut, revOut} : new Tensor[] {dirs[0].hiddenOut};
        rawGrad = bi ? new Tensor[] {dirs[0].grad, revOutGrad} : new Tensor[] {dirs[0].grad};
        delta = new Tensor[directions];
        if (dropout.active()) {
            masks = new Tensor[directions];
            dropped = new Tensor[directions];
            droppedGrad = new Tensor[directions];
            int maskRows = dropout.kind() == Dropout.Kind.VARIATIONAL ? batch : rows;
            for (int d = 0; d < directions; d++) {
                masks[d] = backend.allocate(maskRows, hidden);
                dropped[d] = backend.allocate(rows, hidden);
                droppedGrad[d] = backend.allocate(rows, hidden);
            }
        } else {
            masks = null;
            dropped = null;
            droppedGrad = null;
        }
    }

    /** What consumers read: the dropped parts while dropping, else the raw ones. */
    Tensor[] read(boolean dropping) {
        return dropping ? dropped : raw;
    }

    /** Where consumers write the gradient of what they read. */
    Tensor[] readGrad(boolean dropping) {
        return dropping ? droppedGrad : rawGrad;
    }

    @Override
    public void close() {
        for (LayerBuffers b : dirs) {
            b.close();
        }
        for (Tensor t : new Tensor[] {revPre, revDelta, revOut, revOutGrad}) {
            if (t != null) {
                t.buffer().close();
            }
        }
        if (masks != null) {
            for (int d = 0; d < masks.length; d++) {
                masks[d].buffer().close();
                dropped[d].buffer().close();
                droppedGrad[d].buffer().close();
            }
        }
    }
}

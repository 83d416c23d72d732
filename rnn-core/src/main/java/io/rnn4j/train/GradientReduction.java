package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.diagnostics.NonFiniteLocation;
import io.rnn4j.nn.Arena;

/**
 * The end of a backward pass: the global gradient norm, the clip scale, the reduced loss and the
 * regularizer's sum (one download of four scalars), and, only when the loss or the norm is not finite, where the first
 * NaN or infinity is.
 */
final class GradientReduction {
    private final Backend backend;
    private final Clipping clipping;
    private final LossHead head;
    private final NonFiniteLocator locator;
    /** The reduced loss of the last {@link #reduce}. */
    double loss;
    /** The pre-clip global L2 norm of the last {@link #reduce}. */
    double norm;
    /** The clip scale of the last {@link #reduce} (1 when not clipped). */
    double clipScale;
    /** The regularizer's value Ω of the last {@link #reduce} (its sum over the N pairs; 0 without one). */
    double regularizer;

    GradientReduction(Backend backend, Clipping clipping, LossHead head, NonFiniteLocator locator) {
        this.backend = backend;
        this.clipping = clipping;
        this.head = head;
        this.locator = locator;
    }

    /**
     * Reduces: norm into {@code w.sumSquares}, clip scale into {@code w.clipScale} (global-norm
     * clipping only when {@code clip}), loss, and the regularizer's sum over its {@code pairs}.
     *
     * @return null when loss and norm are finite, else the first non-finite value
     */
    NonFiniteLocation reduce(Workspace w, Arena grads, double weightSum, long pairs, boolean clip) {
        queue(w, grads, clip);
        return read(w, grads, weightSum, pairs);
    }

    /** Queues the squared norm into {@code w.sumSquares} and the clip scale into {@code w.clipScale}; waits for nothing. */
    void queue(Workspace w, Arena grads, boolean clip) {
        backend.sumSquares(grads.all(), w.sumSquares, false);
        if (clip && clipping.mode() == Clipping.Mode.GLOBAL_NORM) {
            backend.clipScale(w.sumSquares, clipping.threshold(), w.clipScale);
        } else {
            backend.fill(w.clipScale, 1f);
        }
    }

    /**
     * Reads what {@link #queue} and the loss head left (one download of four scalars): sets the
     * loss, the norm, the clip scale and the regularizer's value.
     *
     * @return null when the summed loss and the squared norm are finite (the decision
     *     {@link io.rnn4j.backend.Backend#gatedUpdate} takes from {@link Workspace#finiteCheck}),
     *     else the first non-finite value
     */
    NonFiniteLocation read(Workspace w, Arena grads, double weightSum, long pairs) {
        backend.download(w.scalars, w.scalarScratch, 0);
        boolean finite = Float.isFinite(w.scalarScratch[0]) && Float.isFinite(w.scalarScratch[1]);
        loss = head.reduce(w.scalarScratch[0], weightSum);
        norm = Math.sqrt(w.scalarScratch[1]);
        clipScale = w.scalarScratch[2];
        regularizer = pairs == 0 ? 0 : w.scalarScratch[3] / pairs;
        return finite ? null : locator.locate(w, grads, loss);
    }

    /** The exception of a non-finite step under {@code NonFinitePolicy.THROW}, with the last reduction's figures. */
    NonFiniteException failure(long step, NonFiniteLocation where) {
        return new NonFiniteException("step " + step + ": loss " + loss + ", gradient norm " + norm
                + "; first non-finite value: " + where + "; the update was skipped and the parameters are unchanged",
                where);
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Captured;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training step's device work (forward, backward, norm, clip scale, gated update) captured once
 * and replayed, on a backend that captures ({@link Backend#capture}, a CUDA graph). A capture
 * freezes every host value its kernels take, so each capture has a {@link Key} of those values;
 * a step with another key runs directly, and the second step in a row with the same key captures
 * (so that a loss weighting that changes every step never pays for captures it cannot replay).
 * Once a backend returns null for a capture, or a capture fails (the work did something a capture
 * cannot hold: nothing of it ran), every step runs directly.
 */
final class StepGraph implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StepGraph.class);
    /**
     * The host values a captured step takes: the workspace and the carried state's buffers (their
     * addresses), the gradient factor and the weighting of the loss, the gate, the regularizer's
     * pair count. (The learning rate and the update count are read on the backend, so a schedule
     * does not change the key.)
     */
    record Key(Object workspace, Object carried, float gradScale, boolean weighted, boolean gated, long pairs) {
    }

    private final Backend backend;
    private boolean unsupported;
    private Key last;
    private Key capturedKey;
    private Captured captured;

    StepGraph(Backend backend, boolean allowed) {
        this.backend = backend;
        this.unsupported = !allowed;
    }

    /** Whether steps may be captured (false after the backend declined, or when not allowed). */
    boolean active() {
        return !unsupported;
    }

    /** Runs {@code work}: replays its capture under {@code key}, captures it, or runs it directly. */
    void run(Key key, Runnable work) {
        if (unsupported) {
            work.run();
            return;
        }
        if (captured != null && key.equals(capturedKey)) {
            captured.replay();
            last = key;
            return;
        }
        boolean repeat = key.equals(last);
        last = key;
        if (!repeat) {
            work.run();
            return;
        }
        release();
        Captured c;
        try {
            c = backend.capture(work);
        } catch (IllegalStateException e) {
            // The work did something a capture cannot hold; nothing ran, so run it directly from now on.
            LOG.warn("a training step could not be captured ({}); steps run uncaptured from now on", e.getMessage());
            c = null;
        }
        if (c == null) {
            unsupported = true;
            work.run();
            return;
        }
        captured = c;
        capturedKey = key;
        c.replay();
    }

    private void release() {
        if (captured != null) {
            Captured c = captured;
            captured = null;
            capturedKey = null;
            c.close();
        }
    }

    @Override
    public void close() {
        release();
    }
}

package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Captured;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training step's device work captured once and replayed, on a backend that captures
 * ({@link Backend#capture}, a CUDA graph). A capture freezes every host value its kernels take,
 * so each capture has a {@link Key} of those values; a step with another key is left to the
 * caller to run directly, and the second step in a row with the same key captures (so that a loss
 * weighting that changes every step never pays for captures it cannot replay). Once a backend
 * returns null for a capture, or a capture fails (the work did something a capture cannot hold:
 * nothing of it ran), every step runs directly. Comparing keys allocates nothing.
 */
final class StepGraph implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StepGraph.class);

    /**
     * The host values a captured step takes: the workspace and the carried state's buffers (by
     * identity: their addresses), the gradient factor and the weighting of the loss, the
     * regularizer's pair count. (The learning rate and the update count are read on the backend,
     * so a schedule does not change the key.)
     */
    private static final class Key {
        Object workspace;
        Object carried;
        float gradScale;
        boolean weighted;
        long pairs;

        boolean matches(Object w, Object c, float g, boolean wt, long p) {
            return workspace == w && carried == c && Float.compare(gradScale, g) == 0 && weighted == wt && pairs == p;
        }

        void set(Object w, Object c, float g, boolean wt, long p) {
            workspace = w;
            carried = c;
            gradScale = g;
            weighted = wt;
            pairs = p;
        }
    }

    private final Backend backend;
    private boolean unsupported;
    private final Key last = new Key();
    private final Key capturedKey = new Key();
    private Captured captured;

    StepGraph(Backend backend, boolean allowed) {
        this.backend = backend;
        this.unsupported = !allowed;
    }

    /**
     * Replays the capture of {@code work} for these values, capturing it first when they repeat
     * the last step's: true when the work has been queued that way, false when the caller must run
     * the step directly.
     */
    boolean replay(Runnable work, Object workspace, Object carried, float gradScale, boolean weighted, long pairs) {
        if (unsupported) {
            return false;
        }
        if (captured != null && capturedKey.matches(workspace, carried, gradScale, weighted, pairs)) {
            captured.replay();
            last.set(workspace, carried, gradScale, weighted, pairs);
            return true;
        }
        boolean repeat = last.matches(workspace, carried, gradScale, weighted, pairs);
        last.set(workspace, carried, gradScale, weighted, pairs);
        if (!repeat) {
            return false;
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
            return false;
        }
        captured = c;
        capturedKey.set(workspace, carried, gradScale, weighted, pairs);
        c.replay();
        return true;
    }

    private void release() {
        if (captured != null) {
            Captured c = captured;
            captured = null;
            capturedKey.set(null, null, 0f, false, -1);
            c.close();
        }
    }

    @Override
    public void close() {
        release();
    }
}

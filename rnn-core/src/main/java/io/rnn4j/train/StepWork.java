package io.rnn4j.train;

import io.rnn4j.backend.Backend;
import io.rnn4j.nn.Arena;

/**
 * The device work of a training step, between staging the batch and reading its scalars: the
 * forward sweep (layers, then the loss head with its fused loss), the backward sweep (head, layers,
 * regularizer) and the norm with the clip scale. A step goes one of two ways:
 * <ul>
 *   <li>replayed from a capture ({@link StepGraph}): the captured work ends with the update gated
 *       on the backend ({@link io.rnn4j.backend.Backend#gatedUpdate}), so the host reads the
 *       scalars once, after everything is queued;</li>
 *   <li>queued directly: the host reads the scalars, decides, and only then queues the update
 *       (no check left for the backend: one wait a step, as before captures existed).</li>
 * </ul>
 */
final class StepWork implements AutoCloseable {
    private final Backend backend;
    private final Arena grads;
    private final LayerStack layers;
    private final LossHead head;
    private final OmegaRegularizer omega;
    private final GradientReduction reduction;
    private final OptimizerState optimizer;
    private final StepGraph graph;
    private final boolean gated;
    private final Runnable captured = this::queueCaptured;

    // What the next queueing reads (set by each call; a capture freezes them, see StepGraph's key).
    private Workspace ws;
    private CarriedState carried;
    private float gradScale;
    private boolean weighted;
    private long pairs;
    private long update;

    StepWork(Backend backend, Arena grads, LayerStack layers, LossHead head, OmegaRegularizer omega,
             GradientReduction reduction, OptimizerState optimizer, boolean capturable, boolean gated) {
        this.backend = backend;
        this.grads = grads;
        this.layers = layers;
        this.head = head;
        this.omega = omega;
        this.reduction = reduction;
        this.optimizer = optimizer;
        this.graph = new StepGraph(backend, capturable);
        this.gated = gated;
    }

    private void set(Workspace w, CarriedState c, float g, boolean wt, long p, long u) {
        ws = w;
        carried = c;
        gradScale = g;
        weighted = wt;
        pairs = p;
        update = u;
    }

    /** Queues the forward and backward sweeps: the gradients of the batch staged in {@code w}. */
    void gradients(Workspace w, CarriedState c, float g, boolean wt, long p, long u) {
        set(w, c, g, wt, p, u);
        queueGradients();
    }

    /**
     * Queues a training step: its capture replayed (the update included, gated on the backend) and
     * true; or the gradients, the norm and the clip scale queued directly and false, and the caller
     * queues the update once it has read the scalars.
     *
     * @param u the number the update will have (dropout's masks are keyed by it)
     */
    boolean step(Workspace w, CarriedState c, float g, boolean wt, long p, long u) {
        set(w, c, g, wt, p, u);
        if (graph.replay(captured, w, c.buffers(), g, wt, p)) {
            return true;
        }
        queueGradients();
        reduction.queue(ws, grads, true);
        return false;
    }

    private void queueGradients() {
        layers.forward(ws, carried, true, update);
        head.forward(ws, gradScale, weighted);
        backend.fill(grads.all(), 0f);
        head.backward(ws);
        layers.backward(ws);
        if (omega != null) {
            omega.apply(ws, pairs);
        }
    }

    private void queueCaptured() {
        queueGradients();
        reduction.queue(ws, grads, true);
        optimizer.queueUpdate(grads, ws.clipScale, gated ? ws.finiteCheck : null);
    }

    @Override
    public void close() {
        graph.close();
    }
}

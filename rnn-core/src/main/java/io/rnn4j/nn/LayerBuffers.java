package io.rnn4j.nn;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;

/**
 * The buffers one recurrent layer needs for one training step of {@code T} steps of {@code B}
 * sequences, time-major (block t is rows {@code [t·B, (t+1)·B)}), allocated once per shape: what
 * every cell has (the gate pre-activations, the carried states h (and c) for t = 0..T, ∂E/∂h) and
 * the cell's own scratch ({@link Cell#newScratch}).
 */
public final class LayerBuffers implements AutoCloseable {
    /** B. */
    public final int batch;
    /** T. */
    public final int steps;
    /** S: {@code T·B × G·H}: {@code W x_t + b} on entry to {@link Cell#forward}, then what the cell keeps. */
    public final Tensor pre;
    /**
     * The carried states, {@code (T+1)·B × H} each: {@code states[0]} is h (block 0 is h_0, block
     * t+1 is h_{t+1}), {@code states[1]} the LSTM's c.
     */
    public final Tensor[] states;
    /** {@code states[0]}. */
    public final Tensor hidden;
    /** h_1..h_T: rows {@code [B, (T+1)·B)} of {@link #hidden}. */
    public final Tensor hiddenOut;
    /** h_0..h_{T−1}: rows {@code [0, T·B)} of {@link #hidden}. */
    public final Tensor hiddenPrev;
    /** ∂E/∂h of every step, {@code T·B × H}: from the layer above (or the head) on entry to {@link Cell#backward}. */
    public final Tensor grad;
    private final Tensor[] firsts;
    private final Tensor[] outs;
    private final AutoCloseable scratch;

    /**
     * Allocates the buffers of one layer of {@code cell} on {@code backend}.
     *
     * @param backend where to allocate
     * @param cell the cell (its gates, states and scratch)
     * @param batch B
     * @param steps T
     * @param hiddenSize H
     */
    public LayerBuffers(Backend backend, Cell cell, int batch, int steps, int hiddenSize) {
        this.batch = batch;
        this.steps = steps;
        int rows = Math.multiplyExact(batch, steps);
        this.pre = backend.allocate(rows, cell.gates() * hiddenSize);
        this.states = new Tensor[cell.stateCount()];
        for (int k = 0; k < states.length; k++) {
            states[k] = backend.allocate(rows + batch, hiddenSize);
        }
        this.hidden = states[0];
        this.hiddenOut = hidden.rows(batch, rows);
        this.hiddenPrev = hidden.rows(0, rows);
        this.grad = backend.allocate(rows, hiddenSize);
        this.firsts = new Tensor[states.length];
        this.outs = new Tensor[states.length];
        for (int k = 0; k < states.length; k++) {
            firsts[k] = states[k].rows(0, batch);
            outs[k] = states[k].rows(batch, rows);
        }
        this.scratch = cell.newScratch(backend, this);
    }

    /**
     * Block 0 of state {@code k}: where its initial value goes.
     *
     * @param k the state (0 = h, 1 = the LSTM's c)
     * @return the {@code B × H} view
     */
    public Tensor stateFirst(int k) {
        return firsts[k];
    }

    /**
     * Blocks 1..T of state {@code k}: its value after each step.
     *
     * @param k the state (0 = h, 1 = the LSTM's c)
     * @return the {@code T·B × H} view
     */
    public Tensor stateOut(int k) {
        return outs[k];
    }

    /**
     * Block {@code t} of a time-major {@code T·B}-row (or {@code (T+1)·B}-row) tensor.
     *
     * @param t the tensor
     * @param step the block
     * @return the {@code B}-row view
     */
    public Tensor at(Tensor t, int step) {
        return t.rows(step * batch, batch);
    }

    /**
     * {@return the cell's own scratch (its class is the cell's business)}
     *
     * @param <S> the scratch class the cell created
     */
    @SuppressWarnings("unchecked")
    public <S> S scratch() {
        return (S) scratch;
    }

    @Override
    public void close() {
        pre.buffer().close();
        for (Tensor s : states) {
            s.buffer().close();
        }
        grad.buffer().close();
        try {
            scratch.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing a cell's scratch failed", e);
        }
    }
}

package io.rnn4j.data;

/**
 * Cuts a long token stream into batches for truncated BPTT: the stream is split into {@code B}
 * contiguous tracks of equal length, and consecutive calls to {@link #next()} return consecutive
 * windows of {@code T} steps of every track, so that sequence {@code b} of one batch continues
 * sequence {@code b} of the previous one (carry the hidden state across them). Targets are the
 * inputs shifted by one. After the last full window it starts again at the beginning
 * ({@link #epoch()} counts the passes).
 *
 * <p>{@link #next()} reuses two internal arrays: the returned batch is valid until the next call.
 */
public final class SequenceBatcher {
    private final int[] tokens;
    private final int batchSize;
    private final int steps;
    private final int trackLength;
    private final int windows;
    private final int[] in;
    private final int[] out;
    private int window;
    private int epoch;

    /**
     * @param tokens the stream
     * @param batchSize B, the tracks
     * @param steps T, the window
     * @throws IllegalArgumentException if the stream is too short for one window of every track
     */
    public SequenceBatcher(int[] tokens, int batchSize, int steps) {
        if (batchSize < 1 || steps < 1) {
            throw new IllegalArgumentException("batch size and steps must be at least 1, got B=" + batchSize + ", T=" + steps);
        }
        this.tokens = tokens.clone();
        this.batchSize = batchSize;
        this.steps = steps;
        this.trackLength = (tokens.length - 1) / batchSize;
        this.windows = trackLength / steps;
        if (windows < 1) {
            throw new IllegalArgumentException("a stream of " + tokens.length + " tokens is too short for B=" + batchSize
                    + " tracks of T=" + steps + " steps (need at least " + (batchSize * steps + 1) + ")");
        }
        this.in = new int[batchSize * steps];
        this.out = new int[batchSize * steps];
    }

    /** {@return windows per pass over the stream} */
    public int windowsPerEpoch() {
        return windows;
    }

    /** {@return completed passes over the stream} */
    public int epoch() {
        return epoch;
    }

    /** {@return whether the next batch starts a new pass (reset the carried state then)} */
    public boolean atStart() {
        return window == 0;
    }

    /** {@return the next window of every track} Its arrays are reused by the next call. */
    public Batch next() {
        int base = window * steps;
        for (int b = 0; b < batchSize; b++) {
            int track = b * trackLength;
            for (int t = 0; t < steps; t++) {
                int p = track + base + t;
                in[t * batchSize + b] = tokens[p];
                out[t * batchSize + b] = tokens[p + 1];
            }
        }
        window++;
        if (window == windows) {
            window = 0;
            epoch++;
        }
        return Batch.tokensTimeMajor(batchSize, steps, in, out);
    }
}

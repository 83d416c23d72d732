package io.rnn4j.backend;

/**
 * Work captured by {@link Backend#capture}: queued again, with the arguments it was captured with,
 * by every {@link #replay()}. Closing releases it (idempotent).
 */
public interface Captured extends AutoCloseable {
    /** Queues the captured work once more. */
    void replay();

    @Override
    void close();
}

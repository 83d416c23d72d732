package io.rnn4j.backend;

/**
 * A backend-owned array of 32-bit integers: token ids, target ids or row indices used by the
 * gather, scatter-add and softmax-cross-entropy kernels. Created by
 * {@link Backend#allocateIndices(int)} and filled by {@link Backend#uploadIndices}.
 * Closing twice is harmless.
 */
public interface IndexBuffer extends AutoCloseable {

    /** {@return number of int elements} */
    int length();

    /** {@return the backend that owns this buffer} */
    Backend backend();

    /** {@return whether {@link #close()} has been called} */
    boolean isClosed();

    /** Releases the memory. Idempotent. */
    @Override
    void close();
}

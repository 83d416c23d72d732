package io.rnn4j.backend;

/**
 * A block of float32 memory owned by one {@link Backend} (off-heap host memory for the CPU backend,
 * device memory for a GPU backend). Buffers are created by {@link Backend#allocate(int, int)} and
 * viewed through {@link Tensor}s; views never own memory.
 *
 * <p>Closing a buffer releases its memory; closing twice is harmless. Using a tensor whose buffer
 * is closed throws {@link IllegalStateException}.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** {@return number of float elements in the buffer} */
    long length();

    /** {@return the backend that owns this buffer} */
    Backend backend();

    /** {@return whether {@link #close()} has been called} */
    boolean isClosed();

    /** Releases the memory. Idempotent. */
    @Override
    void close();
}

package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;

/** Index buffer of the CPU backend: only Java kernels read indices, so a heap array suffices. */
final class CpuIndexBuffer implements IndexBuffer {
    private final CpuBackend backend;
    private int[] data;

    CpuIndexBuffer(CpuBackend backend, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative index buffer length " + length);
        }
        this.backend = backend;
        this.data = new int[length];
    }

    int[] data() {
        int[] d = data;
        if (d == null) {
            throw new IllegalStateException("index buffer used after close");
        }
        return d;
    }

    @Override
    public int length() {
        return data().length;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public boolean isClosed() {
        return data == null;
    }

    @Override
    public void close() {
        data = null;
    }
}

package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.DeviceBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Off-heap float memory: one JavaCPP {@link FloatPointer} (passed to OpenBLAS without copying) and
 * a direct {@link FloatBuffer} over the same bytes (read and written by the Java kernels).
 */
final class CpuBuffer implements DeviceBuffer {
    private final CpuBackend backend;
    private final int length;
    private FloatPointer pointer;
    private FloatBuffer data;

    CpuBuffer(CpuBackend backend, long length) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("CPU buffer of " + length + " floats is not supported (max "
                    + (Integer.MAX_VALUE - 8) + ")");
        }
        this.backend = backend;
        this.length = (int) length;
        this.pointer = new FloatPointer(Math.max(1L, length));
        Pointer.memset(pointer, 0, Math.max(1L, length) * Float.BYTES);
        this.data = pointer.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Scratch memory that belongs to no backend (the kernel choice's timing operands); the caller closes it. */
    static CpuBuffer scratch(long length) {
        return new CpuBuffer(null, length);
    }

    /** The Java view; throws when closed. */
    FloatBuffer data() {
        FloatBuffer d = data;
        if (d == null) {
            throw new IllegalStateException("tensor used after its buffer was closed");
        }
        return d;
    }

    /** Native address of element 0; throws when closed. */
    long address() {
        FloatPointer p = pointer;
        if (p == null) {
            throw new IllegalStateException("tensor used after its buffer was closed");
        }
        return p.address();
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public boolean isClosed() {
        return pointer == null;
    }

    /** Frees the memory; waits for a kernel of another thread that may be using it (the backend's lock). */
    @Override
    public void close() {
        synchronized (backend == null ? this : backend) {
            FloatPointer p = pointer;
            if (p != null) {
                data = null;
                pointer = null;
                p.close();
            }
        }
    }
}

package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaFree;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.DeviceBuffer;
import io.rnn4j.backend.IndexBuffer;
import java.lang.ref.Cleaner;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device memory owned by a {@link CudaBackend}: float tensors and int index buffers. A buffer
 * dropped without {@link Memory#close()} is freed by a {@link Cleaner} when it becomes unreachable,
 * as CPU buffers are.
 */
final class CudaBuffers {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBuffers.class);
    private static final Cleaner CLEANER = Cleaner.create();

    private CudaBuffers() {
    }

    /**
     * A pointer whose address is set directly (never owns memory). It is a {@link FloatPointer} so that
     * cuBLAS calls take it as it is, without a cast object per call.
     */
    static final class Address extends FloatPointer {
        Address() {
            super((Pointer) null);
        }

        Address(long address) {
            super((Pointer) null);
            this.address = address;
        }

        Address aim(long addr) {
            this.address = addr;
            this.position = 0;
            this.limit = 0;
            this.capacity = 0;
            return this;
        }
    }

    /**
     * Frees one device allocation once: by {@link Memory#close()} or by the cleaner, on any thread (its
     * device is made current first).
     */
    private static final class Free implements Runnable {
        private long address;
        private final int device;

        Free(long address, int device) {
            this.address = address;
            this.device = device;
        }

        /** Frees the memory if not yet freed; returns the CUDA error code (0 when fine or already freed). */
        synchronized int free() {
            long a = address;
            if (a == 0) {
                return 0;
            }
            address = 0;
            int rc = CudaDevice.makeCurrent(device);
            return rc != 0 ? rc : cudaFree(new Address(a));
        }

        @Override
        public void run() {
            int rc = free();
            if (rc != 0) {
                LOG.warn("freeing a dropped CUDA buffer failed: {}", CudaErrors.cudaMessage(rc));
            }
        }
    }

    /** Device memory freed once on close (or when dropped); the address is checked on every use. */
    abstract static class Memory {
        private final CudaBackend backend;
        private final long length;
        private final Free free;
        private final Cleaner.Cleanable cleanable;
        private volatile long address;

        Memory(CudaBackend backend, long address, long length) {
            this.backend = backend;
            this.address = address;
            this.length = length;
            this.free = new Free(address, backend.deviceIndex());
            this.cleanable = CLEANER.register(this, free);
        }

        long address() {
            long a = address;
            if (a == 0) {
                throw new IllegalStateException("device buffer used after close");
            }
            return a;
        }

        public Backend backend() {
            return backend;
        }

        public boolean isClosed() {
            return address == 0;
        }

        /** Frees the device memory (waiting for a kernel of another thread on the same backend). Idempotent. */
        public void close() {
            int rc;
            synchronized (backend) {
                if (address == 0) {
                    return;
                }
                address = 0;
                rc = free.free();
                cleanable.clean();
            }
            CudaErrors.cuda(rc, "cudaFree");
        }

        long elements() {
            return length;
        }
    }

    /** Float tensors' memory. */
    static final class Floats extends Memory implements DeviceBuffer {
        Floats(CudaBackend backend, long address, long length) {
            super(backend, address, length);
        }

        @Override
        public long length() {
            return elements();
        }
    }

    /** Index buffers' memory. */
    static final class Ints extends Memory implements IndexBuffer {
        Ints(CudaBackend backend, long address, int length) {
            super(backend, address, length);
        }

        @Override
        public int length() {
            return (int) elements();
        }
    }
}

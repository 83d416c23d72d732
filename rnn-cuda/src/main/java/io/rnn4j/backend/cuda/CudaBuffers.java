package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaFree;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.DeviceBuffer;
import io.rnn4j.backend.IndexBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/** Device memory owned by a {@link CudaBackend}: float tensors and int index buffers. */
final class CudaBuffers {
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

    /** Device memory freed once on close; the address is checked on every use. */
    abstract static class Memory {
        private final CudaBackend backend;
        private final long length;
        private long address;

        Memory(CudaBackend backend, long address, long length) {
            this.backend = backend;
            this.address = address;
            this.length = length;
        }

        long address() {
            if (address == 0 && length > 0) {
                throw new IllegalStateException("device buffer used after close");
            }
            return address;
        }

        public Backend backend() {
            return backend;
        }

        public boolean isClosed() {
            return address == 0 && length > 0;
        }

        public void close() {
            if (address != 0) {
                cudaFree(new Address(address));
                address = 0;
            }
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

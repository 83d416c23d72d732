package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.cudart.cudaFree;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.DeviceBuffer;
import io.rnn4j.backend.IndexBuffer;
import org.bytedeco.javacpp.Pointer;

/** Device memory owned by a {@link CudaBackend}: float tensors and int index buffers. */
final class CudaBuffers {
    private CudaBuffers() {
    }

    /** A pointer whose address is set directly (never owns memory). */
    static final class Address extends Pointer {
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

    static final class Floats implements DeviceBuffer {
        private final CudaBackend backend;
        private final long length;
        private long address;

        Floats(CudaBackend backend, long address, long length) {
            this.backend = backend;
            this.address = address;
            this.length = length;
        }

        long address() {
            if (address == 0 && length > 0) {
                throw new IllegalStateException("tensor used after its buffer was closed");
            }
            return address;
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
            return address == 0 && length > 0;
        }

        @Override
        public void close() {
            if (address != 0) {
                cudaFree(new Address(address));
                address = 0;
            }
        }
    }

    static final class Ints implements IndexBuffer {
        private final CudaBackend backend;
        private final int length;
        private long address;

        Ints(CudaBackend backend, long address, int length) {
            this.backend = backend;
            this.address = address;
            this.length = length;
        }

        long address() {
            if (address == 0 && length > 0) {
                throw new IllegalStateException("index buffer used after close");
            }
            return address;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public Backend backend() {
            return backend;
        }

        @Override
        public boolean isClosed() {
            return address == 0 && length > 0;
        }

        @Override
        public void close() {
            if (address != 0) {
                cudaFree(new Address(address));
                address = 0;
            }
        }
    }
}

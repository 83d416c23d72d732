package io.rnn4j.backend.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The argument block of one kernel launch: {@value #SLOTS} native 8-byte slots and the array of
 * pointers to them that {@code cuLaunchKernel} reads. Values are written through a direct byte
 * buffer over the slots (no JNI call per argument); a 4-byte argument sits in the low half of its
 * slot (little-endian). {@link #begin()} starts every launch at slot 0, so an exception thrown
 * while a launch collects its arguments never shifts the arguments of the next one.
 */
final class KernelArgs implements AutoCloseable {
    /** The most arguments one kernel takes. */
    static final int SLOTS = 32;

    private final LongPointer slots = new LongPointer(SLOTS);
    private final PointerPointer<Pointer> params = new PointerPointer<>(SLOTS);
    private final ByteBuffer bytes;
    private int count;

    KernelArgs() {
        bytes = slots.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < SLOTS; i++) {
            params.put(i, new CudaBuffers.Address(slots.address() + 8L * i));
        }
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("the CUDA backend needs a little-endian host");
        }
    }

    /** Starts the arguments of a new launch. */
    KernelArgs begin() {
        count = 0;
        return this;
    }

    /** A device address or a 64-bit integer. */
    KernelArgs ptr(long v) {
        bytes.putLong(slot(), v);
        return this;
    }

    /** A 32-bit integer. */
    KernelArgs i32(int v) {
        bytes.putLong(slot(), v & 0xffffffffL);
        return this;
    }

    /** A 64-bit integer. */
    KernelArgs i64(long v) {
        return ptr(v);
    }

    /** A float. */
    KernelArgs f32(float v) {
        bytes.putLong(slot(), Float.floatToRawIntBits(v) & 0xffffffffL);
        return this;
    }

    private int slot() {
        if (count >= SLOTS) {
            throw new IllegalStateException("a kernel launch takes at most " + SLOTS + " arguments");
        }
        return 8 * count++;
    }

    /** Arguments collected since {@link #begin()}. */
    int count() {
        return count;
    }

    /** The raw value of slot {@code i} (for tests). */
    long slotValue(int i) {
        return bytes.getLong(8 * i);
    }

    /** The {@code void**} that {@code cuLaunchKernel} takes. */
    PointerPointer<Pointer> params() {
        return params;
    }

    @Override
    public void close() {
        params.close();
        slots.close();
    }
}

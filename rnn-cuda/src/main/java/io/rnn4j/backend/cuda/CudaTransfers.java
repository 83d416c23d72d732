package io.rnn4j.backend.cuda;

import static io.rnn4j.backend.cuda.CudaErrors.cuda;
import static org.bytedeco.cuda.global.cudart.cudaFreeHost;
import static org.bytedeco.cuda.global.cudart.cudaMallocHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy2DAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;

import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Host ↔ device copies of the CUDA backend through pinned staging memory, grown on demand. A
 * download synchronizes the stream before it returns (through the backend, which also checks the
 * kernels' error flag). An upload does too, unless {@link CudaSwitches#asyncUploads()} is on: then
 * each upload copies its values into the next free part of the staging memory and returns at once,
 * the copy queued on the stream; the parts are handed out in turn and all become free at the next
 * synchronization ({@link #drained()}), or the upload that finds no room synchronizes first.
 */
final class CudaTransfers implements AutoCloseable {
    private final CudaBackend be;
    private final CudaBuffers.Address device = new CudaBuffers.Address();
    private final CudaBuffers.Address host = new CudaBuffers.Address();
    private Pointer staging;
    private FloatPointer floats;
    private IntPointer ints;
    private long bytes;
    /** Staging bytes handed to uploads still queued (asynchronous uploads only). */
    private long used;
    private static final long ALIGN = 256;

    CudaTransfers(CudaBackend be) {
        this.be = be;
    }

    /** The stream has drained: every part of the staging memory is free again. */
    void drained() {
        used = 0;
    }

    /**
     * The byte offset of a free part of {@code need} bytes of staging memory for an upload:
     * 0 after waiting when uploads are synchronous; the next free part when they are not.
     */
    private long stage(long need) {
        be.refuseWhileCapturing("an upload");
        if (!be.switches().asyncUploads()) {
            reserve(need);
            return 0;
        }
        if (used + need > bytes && used > 0) {
            be.sync("staging memory full");
        }
        reserve(need);
        long at = used;
        used += (need + ALIGN - 1) / ALIGN * ALIGN;
        return at;
    }

    /** After an upload has been queued: waits unless uploads are asynchronous. */
    private void finishUpload(String what) {
        be.countOperation();
        if (!be.switches().asyncUploads()) {
            be.sync(what);
        }
    }

    /**
     * The staging memory {@code at} bytes in, as a pointer with position 0. (A {@code Pointer} passed as a
     * {@code void*} has its position added in bytes, not in elements: a positioned {@link FloatPointer}
     * would copy from the wrong place.)
     */
    private CudaBuffers.Address part(long at) {
        return host.aim(staging.address() + at);
    }

    /** Grows the staging memory to at least {@code need} bytes. */
    private void reserve(long need) {
        if (need <= bytes) {
            return;
        }
        if (staging != null) {
            be.sync("before growing the staging memory");
            Pointer old = staging;
            staging = null;
            bytes = 0;
            cuda(cudaFreeHost(old), "cudaFreeHost(staging)");
        }
        long size = Math.max(need, 1 << 16);
        Pointer p = new Pointer();
        cuda(cudaMallocHost(p, size), "cudaMallocHost(" + size + ")");
        staging = p;
        floats = new FloatPointer(p);
        ints = new IntPointer(p);
        bytes = size;
    }

    void upload(float[] src, int srcOffset, Tensor dst) {
        long n = dst.size();
        Shapes.range("upload source", src.length, srcOffset, n);
        if (n == 0) {
            return;
        }
        long target = be.addr(dst);
        long at = stage(4 * n);
        try {
            floats.position(at / 4).put(src, srcOffset, (int) n);
        } finally {
            floats.position(0);
        }
        cuda(cudaMemcpy2DAsync(device.aim(target), 4L * dst.rowStride(), part(at), 4L * dst.cols(), 4L * dst.cols(),
                dst.rows(), cudaMemcpyHostToDevice, be.stream()), "cudaMemcpy2DAsync (upload)");
        finishUpload("upload");
    }

    void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        Shapes.range("index upload source", src.length, srcOffset, count);
        if (count > dst.length()) {
            throw new IllegalArgumentException("index upload of " + count + " into a buffer of " + dst.length());
        }
        if (count == 0) {
            return;
        }
        long target = be.addr(dst, 0);
        long at = stage(4L * count);
        try {
            ints.position(at / 4).put(src, srcOffset, count);
        } finally {
            ints.position(0);
        }
        cuda(cudaMemcpy2DAsync(device.aim(target), 4L * count, part(at), 4L * count, 4L * count, 1,
                cudaMemcpyHostToDevice, be.stream()), "cudaMemcpy2DAsync (index upload)");
        finishUpload("index upload");
    }

    void download(Tensor src, float[] dst, int dstOffset) {
        long n = src.size();
        Shapes.range("download target", dst.length, dstOffset, n);
        if (n == 0) {
            return;
        }
        long source = be.addr(src);
        be.refuseWhileCapturing("a download");
        // The copy may land where queued uploads still read: the stream runs them first, and the host
        // writes nothing there before the wait below.
        reserve(4 * n);
        cuda(cudaMemcpy2DAsync(floats, 4L * src.cols(), device.aim(source), 4L * src.rowStride(), 4L * src.cols(),
                src.rows(), cudaMemcpyDeviceToHost, be.stream()), "cudaMemcpy2DAsync (download)");
        be.countOperation();
        be.sync("download");
        floats.get(dst, dstOffset, (int) n);
    }

    /** Frees the staging memory (the stream must be idle). */
    @Override
    public void close() {
        if (staging != null) {
            Pointer s = staging;
            staging = null;
            bytes = 0;
            cuda(cudaFreeHost(s), "cudaFreeHost(staging)");
        }
    }
}

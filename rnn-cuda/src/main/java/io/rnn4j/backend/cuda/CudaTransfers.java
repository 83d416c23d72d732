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
 * Host ↔ device copies of the CUDA backend through pinned staging memory, grown on demand. Every
 * transfer synchronizes the stream before it returns (through the backend, which also checks the
 * kernels' error flag), so the next one finds the staging memory free.
 */
final class CudaTransfers implements AutoCloseable {
    private final CudaBackend be;
    private final CudaBuffers.Address device = new CudaBuffers.Address();
    private Pointer staging;
    private FloatPointer floats;
    private IntPointer ints;
    private long bytes;

    CudaTransfers(CudaBackend be) {
        this.be = be;
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
        reserve(4 * n);
        floats.put(src, srcOffset, (int) n);
        cuda(cudaMemcpy2DAsync(device.aim(target), 4L * dst.rowStride(), floats, 4L * dst.cols(), 4L * dst.cols(),
                dst.rows(), cudaMemcpyHostToDevice, be.stream()), "cudaMemcpy2DAsync (upload)");
        be.sync("upload");
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
        reserve(4L * count);
        ints.put(src, srcOffset, count);
        cuda(cudaMemcpy2DAsync(device.aim(target), 4L * count, ints, 4L * count, 4L * count, 1,
                cudaMemcpyHostToDevice, be.stream()), "cudaMemcpy2DAsync (index upload)");
        be.sync("index upload");
    }

    void download(Tensor src, float[] dst, int dstOffset) {
        long n = src.size();
        Shapes.range("download target", dst.length, dstOffset, n);
        if (n == 0) {
            return;
        }
        long source = be.addr(src);
        reserve(4 * n);
        cuda(cudaMemcpy2DAsync(floats, 4L * src.cols(), device.aim(source), 4L * src.rowStride(), 4L * src.cols(),
                src.rows(), cudaMemcpyDeviceToHost, be.stream()), "cudaMemcpy2DAsync (download)");
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

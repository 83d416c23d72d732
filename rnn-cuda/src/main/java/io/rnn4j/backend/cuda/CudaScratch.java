package io.rnn4j.backend.cuda;

import io.rnn4j.backend.Tensor;

/**
 * A device scratch matrix a kernel path owns, grown on demand and kept (one allocation for all
 * later calls of the same size or smaller). It never grows while a step is being captured: an
 * allocation cannot be part of a CUDA graph, so {@link #reserve} then answers null and the caller
 * takes its other path.
 */
final class CudaScratch implements AutoCloseable {
    private final CudaBackend be;
    private Tensor buffer;

    CudaScratch(CudaBackend be) {
        this.be = be;
    }

    /** A {@code rows × cols} view of the scratch (grown first if needed), or null when it would have to grow during a capture. */
    Tensor reserve(int rows, int cols) {
        long need = (long) rows * cols;
        if (buffer == null || buffer.size() < need) {
            if (be.isCapturing() || need > Integer.MAX_VALUE) {
                return null;
            }
            close();
            buffer = be.allocate(1, (int) need);
        }
        return Tensor.of(buffer.buffer(), rows, cols);
    }

    /** Frees the scratch (cudaFree waits for the kernels that may still read it). */
    @Override
    public void close() {
        if (buffer != null) {
            Tensor b = buffer;
            buffer = null;
            b.buffer().close();
        }
    }
}

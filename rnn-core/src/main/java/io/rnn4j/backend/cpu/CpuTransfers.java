package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.off;
import static io.rnn4j.backend.cpu.CpuBackend.rowBase;

import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/** The CPU backend's copies between Java arrays and tensors, and between tensors: one bulk copy per row (or one in all). */
final class CpuTransfers {
    private CpuTransfers() {
    }

    /** {@code dst ← src[srcOffset ..]}, row-major; {@code d} is {@code dst}'s memory. */
    static void upload(float[] src, int srcOffset, FloatBuffer d, Tensor dst) {
        Shapes.range("upload source", src.length, srcOffset, dst.size());
        if (dst.isContiguous()) {
            d.put(off(dst), src, srcOffset, (int) dst.size());
            return;
        }
        for (int r = 0; r < dst.rows(); r++) {
            d.put(rowBase(dst, r), src, srcOffset + r * dst.cols(), dst.cols());
        }
    }

    /** {@code dst[dstOffset ..] ← src}, row-major; {@code s} is {@code src}'s memory. */
    static void download(FloatBuffer s, Tensor src, float[] dst, int dstOffset) {
        Shapes.range("download target", dst.length, dstOffset, src.size());
        if (src.isContiguous()) {
            s.get(off(src), dst, dstOffset, (int) src.size());
            return;
        }
        for (int r = 0; r < src.rows(); r++) {
            s.get(rowBase(src, r), dst, dstOffset + r * src.cols(), src.cols());
        }
    }

    /** {@code dst ← src} (shapes checked by the caller), row by row. */
    static void copy(FloatBuffer s, Tensor src, FloatBuffer d, Tensor dst) {
        for (int r = 0; r < src.rows(); r++) {
            d.put(rowBase(dst, r), s, rowBase(src, r), src.cols());
        }
    }
}

package io.rnn4j.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The fused kernels' CUDA C source (a resource of this module) and the names of its kernels. */
public final class KernelSource {
    private KernelSource() {
    }

    /** Every {@code extern "C" __global__} kernel of {@code kernels.cu}. */
    public static final List<String> KERNELS = List.of("fill2d", "scale2d", "axpy2d", "copy2d", "add_row_vector",
            "sum_rows", "sum_squares", "finish_scalar", "gather_rows", "scatter_add_rows", "act_forward", "act_backward",
            "softmax_ce", "squared_error", "clip_scale", "optimizer_update", "lstm_forward",
            "lstm_backward", "gru_forward", "gru_backward", "dropout_mask", "multiply_rows", "omega_rows");

    /** The source as compiled: the shared codes ({@link KernelCodes#defines()}), then {@code kernels.cu}. */
    public static String text() {
        return KernelCodes.defines() + file();
    }

    /** {@code kernels.cu} as written. */
    static String file() {
        try (InputStream in = KernelSource.class.getResourceAsStream("kernels.cu")) {
            if (in == null) {
                throw new IllegalStateException("kernels.cu is missing from the rnn-cuda jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

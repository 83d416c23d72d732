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
            "lstm_backward", "gru_forward", "gru_backward", "dropout_mask", "multiply_rows", "omega_rows",
            // fast.cu and persistent.cu: the switchable fast paths (CudaSwitches)
            "sum_squares_once", "softmax_ce_warp", "sum_rows_tiled", "one_hot_rows", "sort_ids", "scatter_sorted",
            "update_gate",
            "elman_persistent_forward", "elman_persistent_backward", "elman_cluster_forward",
            "elman_cluster_backward", "lstm_persistent_forward", "lstm_persistent_backward", "gru_persistent_forward",
            "gru_persistent_backward");

    /**
     * The source as compiled: the shared codes ({@link KernelCodes#defines()}), then
     * {@code kernels.cu}, then the switchable fast paths that use its helpers: {@code fast.cu} (the
     * cheaper kernels, the update gate) and {@code persistent.cu} (the persistent recurrences).
     */
    public static String text() {
        StringBuilder sb = new StringBuilder(KernelCodes.defines()).append(file("kernels.cu"));
        for (String f : new String[] {"fast.cu", "persistent.cu"}) {
            sb.append("\n#line 1 \"").append(f).append("\"\n").append(file(f));
        }
        return sb.toString();
    }

    /** A source file of this module as written. */
    static String file(String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the rnn-cuda jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

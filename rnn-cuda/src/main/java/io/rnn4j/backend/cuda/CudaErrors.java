package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/** Turns CUDA runtime, driver and cuBLAS return codes into exceptions that name the call. */
final class CudaErrors {
    private CudaErrors() {
    }

    /** A CUDA runtime call ({@code cudaError_t}). */
    static void cuda(int rc, String call) {
        if (rc != 0) {
            throw new IllegalStateException(call + " failed: " + cudaMessage(rc));
        }
    }

    /** A CUDA driver call ({@code CUresult}). */
    static void cu(int rc, String call) {
        if (rc != CUDA_SUCCESS) {
            BytePointer s = new BytePointer((Pointer) null);
            cuGetErrorString(rc, s);
            throw new IllegalStateException(call + " failed: CUresult " + rc + " (" + (s.isNull() ? "?" : s.getString())
                    + ")");
        }
    }

    /** A cuBLAS call. */
    static void blas(int rc, String call) {
        if (rc != CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException(call + " failed: cuBLAS status " + rc);
        }
    }

    /** "CUDA error N (text)". */
    static String cudaMessage(int rc) {
        String text;
        try {
            text = cudaGetErrorString(rc).getString();
        } catch (Throwable t) {
            text = "?";
        }
        return "CUDA error " + rc + " (" + text + ")";
    }

    /** Runs a release step; returns its failure (to report after the others have run) instead of throwing. */
    static Throwable release(Runnable step, Throwable earlier) {
        try {
            step.run();
            return earlier;
        } catch (Throwable t) {
            if (earlier != null) {
                earlier.addSuppressed(t);
                return earlier;
            }
            return t;
        }
    }
}

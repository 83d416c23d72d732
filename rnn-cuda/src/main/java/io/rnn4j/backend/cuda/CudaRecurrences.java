package io.rnn4j.backend.cuda;

import static io.rnn4j.backend.cuda.CudaErrors.cu;
import static org.bytedeco.cuda.global.cudart.cuOccupancyMaxActiveBlocksPerMultiprocessor;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.StepwiseRecurrences;
import io.rnn4j.backend.Tensor;

/**
 * The Elman recurrences as persistent kernels ({@code elman_persistent_forward} and
 * {@code _backward} of {@code fast.cu}), used when {@link CudaSwitches#persistent()} is on: one
 * cooperative launch per sweep instead of two launches per time step. Block k keeps columns
 * {@code [k·cw, (k+1)·cw)} of U in shared memory for all T steps; the blocks meet at one grid
 * barrier per step. The plan ({@link #columnsPerBlock}) spreads H over the multiprocessors within
 * 48 KiB of shared memory per block (no opt-in needed); what cannot be resident at once (and
 * PReLU, whose slope gradient the kernels do not compute) runs step by step as before.
 */
final class CudaRecurrences {
    static final int THREADS = 256;
    static final int SHARED_LIMIT = 48 * 1024;
    private final CudaBackend be;
    private final CudaKernels kernels;
    private final int multiprocessors;

    CudaRecurrences(CudaBackend be, CudaKernels kernels, int multiprocessors) {
        this.be = be;
        this.kernels = kernels;
        this.multiprocessors = multiprocessors;
    }

    /**
     * The columns per block for hidden size {@code h} on {@code sms} multiprocessors: H spread over
     * one block per multiprocessor (at least four columns each), fewer columns when U's slice would
     * not fit in {@value #SHARED_LIMIT} bytes (more blocks than multiprocessors: whether they are all
     * resident at once is asked of the driver before the launch); 0 when not one row of U fits.
     */
    static int columnsPerBlock(int h, int sms) {
        int blocks = Math.max(1, Math.min(sms, h / 4));
        int cw = (h + blocks - 1) / blocks;
        long limit = SHARED_LIMIT / (4L * h);
        return (int) Math.min(cw, limit);
    }

    /** Whether the persistent kernel {@code name} runs {@code blocks} blocks at once with this shared memory. */
    private boolean resident(String name, int blocks, int sharedBytes) {
        int[] perSm = new int[1];
        cu(cuOccupancyMaxActiveBlocksPerMultiprocessor(perSm, be.function(name), THREADS, sharedBytes),
                "cuOccupancyMaxActiveBlocksPerMultiprocessor(" + name + ")");
        return perSm[0] >= 1 && blocks <= (long) perSm[0] * multiprocessors;
    }

    void forward(Activation f, Tensor u, Tensor pre, Tensor hidden, Tensor slope, int batch) {
        int steps = StepwiseRecurrences.check(u, pre, hidden, batch);
        int h = u.rows();
        int cw = columnsPerBlock(h, multiprocessors);
        int blocks = cw == 0 ? 0 : (h + cw - 1) / cw;
        int shared = 4 * cw * h;
        if (f == Activation.PRELU || cw == 0 || !resident("elman_persistent_forward", blocks, shared)) {
            StepwiseRecurrences.forward(be, f, u, pre, hidden, slope, batch);
            return;
        }
        kernels.kernel("elman_persistent_forward").i32(KernelCodes.activation(f)).ptr(be.addr(u)).i32(CudaKernels.ld(u))
                .ptr(be.addr(pre)).i32(CudaKernels.ld(pre)).ptr(be.addr(hidden)).i32(CudaKernels.ld(hidden)).i32(batch)
                .i32(steps).i32(h).i32(cw).ptr(be.scratch(CudaDevice.BARRIER)).ptr(be.errorFlag());
        kernels.launchCooperative(blocks, THREADS, shared);
    }

    void backward(Activation f, Tensor u, Tensor pre, Tensor hidden, Tensor grad, Tensor slope, Tensor slopeGrad,
                  int batch, Tensor stepSquares) {
        int steps = StepwiseRecurrences.check(u, pre, hidden, batch);
        int h = u.rows();
        int cw = columnsPerBlock(h, multiprocessors);
        int blocks = cw == 0 ? 0 : (h + cw - 1) / cw;
        int shared = 4 * cw * h;
        if (f == Activation.PRELU || cw == 0 || grad.rows() != pre.rows() || grad.cols() != pre.cols()
                || (stepSquares != null && (stepSquares.rows() != steps || stepSquares.cols() != 2))
                || !resident("elman_persistent_backward", blocks, shared)) {
            // (the step-by-step path also names a shape mismatch)
            StepwiseRecurrences.backward(be, f, u, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
            return;
        }
        if (stepSquares != null) {
            kernels.fill(stepSquares, 0f);
        }
        kernels.kernel("elman_persistent_backward").i32(KernelCodes.activation(f)).ptr(be.addr(u))
                .i32(CudaKernels.ld(u)).ptr(be.addr(pre)).i32(CudaKernels.ld(pre)).ptr(be.addr(hidden))
                .i32(CudaKernels.ld(hidden)).ptr(be.addr(grad)).i32(CudaKernels.ld(grad)).i32(batch).i32(steps).i32(h)
                .i32(cw).ptr(stepSquares == null ? 0L : be.addr(stepSquares))
                .i32(stepSquares == null ? 0 : CudaKernels.ld(stepSquares)).ptr(be.scratch(CudaDevice.BARRIER))
                .ptr(be.errorFlag());
        kernels.launchCooperative(blocks, THREADS, shared);
    }
}

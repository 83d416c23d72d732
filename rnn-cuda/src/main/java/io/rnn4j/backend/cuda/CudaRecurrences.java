package io.rnn4j.backend.cuda;

import static io.rnn4j.backend.cuda.CudaErrors.cu;
import static org.bytedeco.cuda.global.cudart.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static org.bytedeco.cuda.global.cudart.cuFuncSetAttribute;
import static org.bytedeco.cuda.global.cudart.cuOccupancyMaxActiveBlocksPerMultiprocessor;
import static org.bytedeco.cuda.global.cudart.cuOccupancyMaxActiveClusters;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.StepwiseRecurrences;
import io.rnn4j.backend.Tensor;
import org.bytedeco.cuda.cudart.CUlaunchConfig;

/**
 * The Elman recurrences as persistent kernels of {@code persistent.cu}, used when
 * {@link CudaSwitches#persistent()} is on: one launch per sweep instead of two launches per time
 * step. On sm_90 and later (unless {@link CudaSwitches#clusters()} is off) the cluster kernels
 * come first, where the driver says a cluster fits ({@code cuOccupancyMaxActiveClusters}; not on a MIG
 * slice or under MPS with too few multiprocessors): a cluster of eight blocks takes a slice of the batch, each block an eighth of U's
 * columns (shared memory opted in up to the device's limit), h exchanged through distributed
 * shared memory, one cluster barrier per step; the clusters are independent, so they need not be
 * resident together. Otherwise the grid kernels ({@code elman_persistent_forward} and
 * {@code _backward}), one cooperative launch: Block k keeps columns
 * {@code [k·cw, (k+1)·cw)} of U in shared memory for all T steps; the blocks meet at one grid
 * barrier per step. The plan ({@link #columnsPerBlock}) spreads H over the multiprocessors within
 * 48 KiB of shared memory per block (no opt-in needed); what cannot be resident at once (and
 * PReLU, whose slope gradient the kernels do not compute) runs step by step as before.
 */
final class CudaRecurrences {
    static final int THREADS = 256;
    static final int SHARED_LIMIT = 48 * 1024;
    /** Blocks per cluster of the cluster kernels (RNN4J_CLUSTER_SIZE in persistent.cu). */
    static final int CLUSTER = 8;
    private final CudaBackend be;
    private final CudaKernels kernels;
    private final int multiprocessors;
    private final boolean cooperative;
    /** The most dynamic shared memory a block may opt in to; 0 when the cluster kernels are not to be used. */
    private final int clusterShared;
    /** The dynamic shared memory each cluster kernel has been allowed so far. */
    private final java.util.Map<String, Integer> allowed = new java.util.HashMap<>();

    /**
     * @param cooperative whether the device launches cooperatively (the grid-barrier kernels)
     * @param clusterShared the opt-in shared memory per block when the cluster kernels are to be used
     *     (sm_90 and later, switched on), else 0
     */
    CudaRecurrences(CudaBackend be, CudaKernels kernels, int multiprocessors, boolean cooperative, int clusterShared) {
        this.be = be;
        this.kernels = kernels;
        this.multiprocessors = multiprocessors;
        this.cooperative = cooperative;
        this.clusterShared = clusterShared;
    }

    /** Shared memory of a cluster kernel block: U's slice, two slices of h for {@code bs} rows, the gathered rows. */
    static long clusterBytes(int h, int bs) {
        long cw = h / CLUSTER;
        return 4L * (cw * h + 2L * bs * cw + (long) bs * h);
    }

    /**
     * The batch rows per cluster for the cluster kernels: the batch spread over one cluster per eight
     * multiprocessors, fewer rows when the shared memory ({@code maxShared} per block) does not hold
     * them; 0 when H is not a multiple of 8 or not even one row fits.
     */
    static int rowsPerCluster(int h, int batch, int sms, long maxShared) {
        if (h % CLUSTER != 0 || clusterBytes(h, 1) > maxShared) {
            return 0;
        }
        int clusters = Math.max(1, sms / CLUSTER);
        int bs = (batch + clusters - 1) / clusters;
        while (bs > 1 && clusterBytes(h, bs) > maxShared) {
            bs--;
        }
        return bs;
    }

    /** Whether clusters of the cluster kernel {@code name} with {@code bytes} of shared memory fit, by kernel and size. */
    private final java.util.Map<String, Boolean> clustersFit = new java.util.HashMap<>();
    private final CUlaunchConfig config = new CUlaunchConfig();
    /** The path of the last sweep: "cluster", "grid" or "stepwise" (for tests and profiles). */
    String lastPath = "";

    /**
     * Whether at least one cluster of {@code name} with {@code bytes} of dynamic shared memory per block
     * can run on this device, as the driver answers ({@code cuOccupancyMaxActiveClusters}): zero on a MIG
     * slice or under MPS that leaves too few multiprocessors, or where the opt-in shared memory is smaller
     * than the plan assumed. Asked once per kernel and size.
     */
    private boolean clustersFit(String name, int blocks, int bytes) {
        String key = name + ":" + bytes;
        Boolean fit = clustersFit.get(key);
        if (fit == null) {
            allow(name, bytes);
            config.gridDimX(blocks).gridDimY(1).gridDimZ(1).blockDimX(THREADS).blockDimY(1).blockDimZ(1)
                    .sharedMemBytes(bytes).hStream(be.stream()).attrs(null).numAttrs(0);
            int[] n = new int[1];
            int rc = cuOccupancyMaxActiveClusters(n, be.function(name), config);
            fit = rc == 0 && n[0] > 0;
            clustersFit.put(key, fit);
        }
        return fit;
    }

    /** Lets {@code name} use {@code bytes} of dynamic shared memory (above 48 KiB a function must opt in). */
    private void allow(String name, int bytes) {
        Integer now = allowed.get(name);
        if (bytes > SHARED_LIMIT && (now == null || now < bytes)) {
            cu(cuFuncSetAttribute(be.function(name), CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                    "cuFuncSetAttribute(" + name + ", " + bytes + " bytes of shared memory)");
            allowed.put(name, bytes);
        }
    }

    /**
     * The columns per block for hidden size {@code h} on {@code sms} multiprocessors: H spread over
     * one block per multiprocessor (at least four columns each), fewer columns when U's slice would
     * not fit in {@value #SHARED_LIMIT} bytes (more blocks than multiprocessors: whether they are all
     * resident at once is asked of the driver before the launch); 0 when not one row of U fits.
     */
    static int columnsPerBlock(int h, int sms) {
        return columnsPerBlock(h, sms, 1);
    }

    /** {@link #columnsPerBlock(int, int)} for a cell of {@code gates} gate blocks: U's slice is {@code gates·cw × H}. */
    static int columnsPerBlock(int h, int sms, int gates) {
        int blocks = Math.max(1, Math.min(sms, h / 4));
        int cw = (h + blocks - 1) / blocks;
        long limit = SHARED_LIMIT / (4L * gates * h);
        return (int) Math.min(cw, limit);
    }

    /**
     * The grid plan of a gated cell's sweep: {@code {cw, blocks, shared bytes}}, or null when the
     * persistent kernel {@code name} cannot run it (no cooperative launch, no fit, not resident).
     */
    private int[] gatedPlan(String name, int h, int gates) {
        int cw = columnsPerBlock(h, multiprocessors, gates);
        if (!cooperative || cw == 0) {
            return null;
        }
        int blocks = (h + cw - 1) / cw;
        int shared = 4 * gates * cw * h;
        return resident(name, blocks, shared) ? new int[] {cw, blocks, shared} : null;
    }

    /** Whether the operands have the shapes the persistent sweeps assume (else the cell's steps report the mismatch). */
    private static boolean fits(Tensor u, int gates, Tensor gateRows, Tensor states, int batch, Tensor stepSquares) {
        int h = u.cols();
        return u.rows() == gates * h && gateRows.cols() == gates * h && states.cols() == h && batch >= 1
                && gateRows.rows() % batch == 0 && states.rows() == gateRows.rows() + batch
                && (stepSquares == null || (stepSquares.rows() == gateRows.rows() / batch && stepSquares.cols() == 2));
    }

    boolean lstmForward(Tensor u, Tensor gates, Tensor hidden, Tensor cells, Tensor tanhC, int batch) {
        int h = u.cols();
        int[] plan = fits(u, 4, gates, hidden, batch, null) && cells.rows() == hidden.rows() && cells.cols() == h
                && tanhC.rows() == gates.rows() && tanhC.cols() == h ? gatedPlan("lstm_persistent_forward", h, 4) : null;
        if (plan == null) {
            lastPath = "stepwise";
            return false;
        }
        lastPath = "grid";
        kernels.kernel("lstm_persistent_forward").ptr(be.addr(u)).i32(ld(u)).ptr(be.addr(gates)).i32(ld(gates))
                .ptr(be.addr(hidden)).i32(ld(hidden)).ptr(be.addr(cells)).i32(ld(cells)).ptr(be.addr(tanhC))
                .i32(ld(tanhC)).i32(batch).i32(gates.rows() / batch).i32(h).i32(plan[0])
                .ptr(be.scratch(CudaDevice.BARRIER));
        kernels.launchCooperative(plan[1], THREADS, plan[2]);
        return true;
    }

    boolean lstmBackward(Tensor u, Tensor gates, Tensor cells, Tensor tanhC, Tensor grad, Tensor dc, Tensor dGates,
                         int batch, Tensor stepSquares) {
        int h = u.cols();
        int[] plan = fits(u, 4, gates, cells, batch, stepSquares) && grad.rows() == gates.rows() && grad.cols() == h
                && tanhC.rows() == gates.rows() && dc.rows() == batch && dc.cols() == h && dGates.rows() == gates.rows()
                && dGates.cols() == 4 * h ? gatedPlan("lstm_persistent_backward", h, 4) : null;
        if (plan == null) {
            lastPath = "stepwise";
            return false;
        }
        if (stepSquares != null) {
            kernels.fill(stepSquares, 0f);
        }
        lastPath = "grid";
        kernels.kernel("lstm_persistent_backward").ptr(be.addr(u)).i32(ld(u)).ptr(be.addr(gates)).i32(ld(gates))
                .ptr(be.addr(cells)).i32(ld(cells)).ptr(be.addr(tanhC)).i32(ld(tanhC)).ptr(be.addr(grad)).i32(ld(grad))
                .ptr(be.addr(dc)).i32(ld(dc)).ptr(be.addr(dGates)).i32(ld(dGates)).i32(batch)
                .i32(gates.rows() / batch).i32(h).i32(plan[0]).ptr(stepSquares == null ? 0L : be.addr(stepSquares))
                .i32(stepSquares == null ? 0 : ld(stepSquares)).ptr(be.scratch(CudaDevice.BARRIER));
        kernels.launchCooperative(plan[1], THREADS, plan[2]);
        return true;
    }

    boolean gruForward(Tensor u, Tensor bias, Tensor xGates, Tensor hGates, Tensor hidden, Tensor acts, int batch) {
        int h = u.cols();
        int[] plan = fits(u, 3, xGates, hidden, batch, null) && hGates.rows() == xGates.rows()
                && hGates.cols() == 3 * h && acts.rows() == xGates.rows() && acts.cols() == 3 * h
                && (bias == null || (bias.rows() == 1 && bias.cols() == 3 * h))
                ? gatedPlan("gru_persistent_forward", h, 3) : null;
        if (plan == null) {
            lastPath = "stepwise";
            return false;
        }
        lastPath = "grid";
        kernels.kernel("gru_persistent_forward").ptr(be.addr(u)).i32(ld(u)).ptr(bias == null ? 0L : be.addr(bias))
                .ptr(be.addr(xGates)).i32(ld(xGates)).ptr(be.addr(hGates)).i32(ld(hGates)).ptr(be.addr(hidden))
                .i32(ld(hidden)).ptr(be.addr(acts)).i32(ld(acts)).i32(batch).i32(xGates.rows() / batch).i32(h)
                .i32(plan[0]).ptr(be.scratch(CudaDevice.BARRIER));
        kernels.launchCooperative(plan[1], THREADS, plan[2]);
        return true;
    }

    boolean gruBackward(Tensor u, Tensor acts, Tensor hGates, Tensor hidden, Tensor grad, Tensor dxGates,
                        Tensor dhGates, Tensor dhDirect, int batch, Tensor stepSquares) {
        int h = u.cols();
        int[] plan = fits(u, 3, acts, hidden, batch, stepSquares) && hGates.rows() == acts.rows()
                && grad.rows() == acts.rows() && grad.cols() == h && dxGates.rows() == acts.rows()
                && dxGates.cols() == 3 * h && dhGates.rows() == acts.rows() && dhGates.cols() == 3 * h
                && dhDirect.rows() == batch && dhDirect.cols() == h ? gatedPlan("gru_persistent_backward", h, 3) : null;
        if (plan == null) {
            lastPath = "stepwise";
            return false;
        }
        if (stepSquares != null) {
            kernels.fill(stepSquares, 0f);
        }
        lastPath = "grid";
        kernels.kernel("gru_persistent_backward").ptr(be.addr(u)).i32(ld(u)).ptr(be.addr(acts)).i32(ld(acts))
                .ptr(be.addr(hGates)).i32(ld(hGates)).ptr(be.addr(hidden)).i32(ld(hidden)).ptr(be.addr(grad))
                .i32(ld(grad)).ptr(be.addr(dxGates)).i32(ld(dxGates)).ptr(be.addr(dhGates)).i32(ld(dhGates))
                .ptr(be.addr(dhDirect)).i32(ld(dhDirect)).i32(batch).i32(acts.rows() / batch).i32(h).i32(plan[0])
                .ptr(stepSquares == null ? 0L : be.addr(stepSquares)).i32(stepSquares == null ? 0 : ld(stepSquares))
                .ptr(be.scratch(CudaDevice.BARRIER));
        kernels.launchCooperative(plan[1], THREADS, plan[2]);
        return true;
    }

    private static int ld(Tensor t) {
        return CudaKernels.ld(t);
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
        int bs = f == Activation.PRELU ? 0 : rowsPerCluster(h, batch, multiprocessors, clusterShared);
        if (bs > 0 && clustersFit("elman_cluster_forward", (batch + bs - 1) / bs * CLUSTER, (int) clusterBytes(h, bs))) {
            int bytes = (int) clusterBytes(h, bs);
            lastPath = "cluster";
            kernels.kernel("elman_cluster_forward").i32(KernelCodes.activation(f)).ptr(be.addr(u))
                    .i32(CudaKernels.ld(u)).ptr(be.addr(pre)).i32(CudaKernels.ld(pre)).ptr(be.addr(hidden))
                    .i32(CudaKernels.ld(hidden)).i32(batch).i32(steps).i32(h).i32(bs).ptr(be.errorFlag());
            kernels.launchShared((batch + bs - 1) / bs * CLUSTER, THREADS, bytes);
            return;
        }
        int cw = columnsPerBlock(h, multiprocessors);
        int blocks = cw == 0 ? 0 : (h + cw - 1) / cw;
        int shared = 4 * cw * h;
        if (f == Activation.PRELU || cw == 0 || !cooperative || !resident("elman_persistent_forward", blocks, shared)) {
            lastPath = "stepwise";
            StepwiseRecurrences.forward(be, f, u, pre, hidden, slope, batch);
            return;
        }
        lastPath = "grid";
        kernels.kernel("elman_persistent_forward").i32(KernelCodes.activation(f)).ptr(be.addr(u)).i32(CudaKernels.ld(u))
                .ptr(be.addr(pre)).i32(CudaKernels.ld(pre)).ptr(be.addr(hidden)).i32(CudaKernels.ld(hidden)).i32(batch)
                .i32(steps).i32(h).i32(cw).ptr(be.scratch(CudaDevice.BARRIER)).ptr(be.errorFlag());
        kernels.launchCooperative(blocks, THREADS, shared);
    }

    void backward(Activation f, Tensor u, Tensor pre, Tensor hidden, Tensor grad, Tensor slope, Tensor slopeGrad,
                  int batch, Tensor stepSquares) {
        int steps = StepwiseRecurrences.check(u, pre, hidden, batch);
        int h = u.rows();
        if (f == Activation.PRELU || grad.rows() != pre.rows() || grad.cols() != pre.cols()
                || (stepSquares != null && (stepSquares.rows() != steps || stepSquares.cols() != 2))) {
            // (the step-by-step path also names a shape mismatch)
            lastPath = "stepwise";
            StepwiseRecurrences.backward(be, f, u, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
            return;
        }
        int bs = rowsPerCluster(h, batch, multiprocessors, clusterShared);
        if (bs > 0 && !clustersFit("elman_cluster_backward", (batch + bs - 1) / bs * CLUSTER, (int) clusterBytes(h, bs))) {
            bs = 0;
        }
        int cw = columnsPerBlock(h, multiprocessors);
        int blocks = cw == 0 ? 0 : (h + cw - 1) / cw;
        int shared = 4 * cw * h;
        if (bs == 0 && (cw == 0 || !cooperative || !resident("elman_persistent_backward", blocks, shared))) {
            lastPath = "stepwise";
            StepwiseRecurrences.backward(be, f, u, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
            return;
        }
        if (stepSquares != null) {
            kernels.fill(stepSquares, 0f);
        }
        if (bs > 0) {
            int bytes = (int) clusterBytes(h, bs);
            lastPath = "cluster";
            kernels.kernel("elman_cluster_backward").i32(KernelCodes.activation(f)).ptr(be.addr(u))
                    .i32(CudaKernels.ld(u)).ptr(be.addr(pre)).i32(CudaKernels.ld(pre)).ptr(be.addr(hidden))
                    .i32(CudaKernels.ld(hidden)).ptr(be.addr(grad)).i32(CudaKernels.ld(grad)).i32(batch).i32(steps)
                    .i32(h).i32(bs).ptr(stepSquares == null ? 0L : be.addr(stepSquares))
                    .i32(stepSquares == null ? 0 : CudaKernels.ld(stepSquares)).ptr(be.errorFlag());
            kernels.launchShared((batch + bs - 1) / bs * CLUSTER, THREADS, bytes);
            return;
        }
        lastPath = "grid";
        kernels.kernel("elman_persistent_backward").i32(KernelCodes.activation(f)).ptr(be.addr(u))
                .i32(CudaKernels.ld(u)).ptr(be.addr(pre)).i32(CudaKernels.ld(pre)).ptr(be.addr(hidden))
                .i32(CudaKernels.ld(hidden)).ptr(be.addr(grad)).i32(CudaKernels.ld(grad)).i32(batch).i32(steps).i32(h)
                .i32(cw).ptr(stepSquares == null ? 0L : be.addr(stepSquares))
                .i32(stepSquares == null ? 0 : CudaKernels.ld(stepSquares)).ptr(be.scratch(CudaDevice.BARRIER))
                .ptr(be.errorFlag());
        kernels.launchCooperative(blocks, THREADS, shared);
    }
}

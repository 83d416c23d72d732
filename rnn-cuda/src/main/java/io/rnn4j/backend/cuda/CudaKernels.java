package io.rnn4j.backend.cuda;

import static io.rnn4j.backend.cuda.CudaErrors.blas;
import static io.rnn4j.backend.cuda.CudaErrors.cu;
import static io.rnn4j.backend.cuda.CudaErrors.cuda;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.cuLaunchCooperativeKernel;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cudaMemsetAsync;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.backend.internal.Shapes;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.javacpp.FloatPointer;

/**
 * cuBLAS GEMM and the launches of the fused kernels of {@code kernels.cu}, one method per
 * {@link io.rnn4j.backend.Backend} kernel, each checking its operands as every backend does ({@link Shapes}). A launch starts its
 * arguments with {@link #kernel(String)} and queues with {@link #launch(long)}.
 */
final class CudaKernels {
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 8192;
    /** Warps per block of the one-warp-per-row kernels. */
    private static final int WARPS = THREADS / 32;
    /** The largest table whose gradient the fast path computes as one-hotᵀ · Δ (above: sorted). */
    static final int ONE_HOT_MAX_ROWS = 1024;
    /** The most rows the one-block sort of the fast scatter takes (RNN4J_SORT_MAX in fast.cu; above: atomics). */
    static final int SORT_MAX_ROWS = 4096;

    private final CudaBackend be;
    private CUfunc_st current;
    private String currentName;

    private final CudaScratch scatterScratch;

    CudaKernels(CudaBackend be) {
        this.be = be;
        this.scatterScratch = new CudaScratch(be);
    }

    /** Frees the kernels' own device scratch. */
    void close() {
        scatterScratch.close();
    }

    static int ld(Tensor t) {
        return Math.max(1, Math.max(t.rowStride(), t.cols()));
    }

    /** Starts a launch of {@code name}: its arguments follow. */
    KernelArgs kernel(String name) {
        CUfunc_st f = be.function(name);
        if (f == null) {
            throw new IllegalStateException("no kernel '" + name + "' in the module");
        }
        current = f;
        currentName = name;
        return be.args().begin();
    }

    /** Queues the kernel started by {@link #kernel} with enough 256-thread blocks for {@code work} elements. */
    private void launch(long work) {
        launchBlocks((int) Math.max(1, Math.min(MAX_BLOCKS, (work + THREADS - 1) / THREADS)));
    }

    private void launchBlocks(int blocks) {
        be.countOperation();
        cu(cuLaunchKernel(current, blocks, 1, 1, THREADS, 1, 1, 0, be.stream(), be.args().params(), null),
                "cuLaunchKernel(" + currentName + ")");
    }

    /** Queues the kernel started by {@link #kernel} with {@code sharedBytes} of dynamic shared memory per block. */
    void launchShared(int blocks, int threads, int sharedBytes) {
        be.countOperation();
        cu(cuLaunchKernel(current, blocks, 1, 1, threads, 1, 1, sharedBytes, be.stream(), be.args().params(), null),
                "cuLaunchKernel(" + currentName + ", " + blocks + " blocks, " + sharedBytes + " bytes shared)");
    }

    /** Queues the kernel started by {@link #kernel} as a cooperative launch (every block resident at once). */
    void launchCooperative(int blocks, int threads, int sharedBytes) {
        be.countOperation();
        cu(cuLaunchCooperativeKernel(current, blocks, 1, 1, threads, 1, 1, sharedBytes, be.stream(),
                be.args().params()), "cuLaunchCooperativeKernel(" + currentName + ")");
    }

    private final CudaBuffers.Address pa = new CudaBuffers.Address();
    private final CudaBuffers.Address pb = new CudaBuffers.Address();
    private final CudaBuffers.Address pc = new CudaBuffers.Address();
    private final FloatPointer alphaHost = new FloatPointer(1);
    private final FloatPointer betaHost = new FloatPointer(1);

    /** cuBLAS SGEMM: row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so the operands swap. */
    void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int k = Shapes.gemmOrDegenerate(be, c, a, transA, b, transB, beta);
        if (k == 0) {
            return;
        }
        long ca = be.addr(c);
        long aa = be.addr(a);
        long ba = be.addr(b);
        alphaHost.put(0, alpha);
        betaHost.put(0, beta);
        be.countOperation();
        blas(cublasSgemm_v2(be.cublas(), transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                c.cols(), c.rows(), k, alphaHost, pb.aim(ba), ld(b), pa.aim(aa), ld(a), betaHost, pc.aim(ca), ld(c)),
                "cublasSgemm");
    }

    void fill(Tensor t, float value) {
        kernel("fill2d").ptr(be.addr(t)).i32(t.rows()).i32(t.cols()).i32(ld(t)).f32(value);
        launch(t.size());
    }

    void copy(Tensor src, Tensor dst) {
        Shapes.copy(src, dst);
        kernel("copy2d").ptr(be.addr(src)).i32(ld(src)).ptr(be.addr(dst)).i32(ld(dst)).i32(src.rows()).i32(src.cols());
        launch(src.size());
    }

    void scale(Tensor x, float alpha) {
        kernel("scale2d").ptr(be.addr(x)).i32(x.rows()).i32(x.cols()).i32(ld(x)).f32(alpha);
        launch(x.size());
    }

    void axpy(float alpha, Tensor x, Tensor y) {
        Shapes.axpy(x, y);
        kernel("axpy2d").ptr(be.addr(x)).i32(ld(x)).ptr(be.addr(y)).i32(ld(y)).i32(x.rows()).i32(x.cols()).f32(alpha);
        launch(x.size());
    }

    private void zeroScratch() {
        be.countOperation();
        cuda(cudaMemsetAsync(be.pointer(be.scratch()), 0, 8, be.stream()), "cudaMemsetAsync (accumulator)");
    }

    /** {@code out[0,0] ← (accumulate ? out : 0) + scratch} on the device. */
    private void finishScalar(Tensor out, boolean accumulate) {
        kernel("finish_scalar").ptr(be.scratch()).ptr(be.addr(out)).i32(accumulate ? 1 : 0);
        launchBlocks(1);
    }

    void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        Shapes.scalar("sumSquares", out);
        long xa = be.addr(x);
        long oa = be.addr(out); // checked before anything is queued
        if (be.switches().fastKernels()) {
            kernel("sum_squares_once").ptr(xa).i32(ld(x)).i32(x.rows()).i32(x.cols()).ptr(be.scratch(CudaDevice.ACC))
                    .ptr(be.scratch(CudaDevice.DONE)).ptr(oa).i32(accumulate ? 1 : 0);
            launch(x.size());
            return;
        }
        zeroScratch();
        kernel("sum_squares").ptr(xa).i32(ld(x)).i32(x.rows()).i32(x.cols()).ptr(be.scratch());
        launch(x.size());
        finishScalar(out, accumulate);
    }

    void addRowVector(Tensor x, Tensor v) {
        Shapes.addRowVector(x, v);
        kernel("add_row_vector").ptr(be.addr(x)).i32(ld(x)).i32(x.rows()).i32(x.cols()).ptr(be.addr(v));
        launch(x.size());
    }

    void sumRows(Tensor x, Tensor out, boolean accumulate) {
        Shapes.sumRows(x, out);
        if (be.switches().fastKernels()) {
            kernel("sum_rows_tiled").ptr(be.addr(x)).i32(ld(x)).i32(x.rows()).i32(x.cols()).ptr(be.addr(out))
                    .i32(accumulate ? 1 : 0);
            launchBlocks(Math.max(1, Math.min(MAX_BLOCKS, (x.cols() + 31) / 32)));
            return;
        }
        kernel("sum_rows").ptr(be.addr(x)).i32(ld(x)).i32(x.rows()).i32(x.cols()).ptr(be.addr(out))
                .i32(accumulate ? 1 : 0);
        launch(x.cols());
    }

    void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        Shapes.gatherRows(table, ids, idOffset, out);
        kernel("gather_rows").ptr(be.addr(table)).i32(ld(table)).ptr(be.addr(ids, idOffset)).ptr(be.addr(out))
                .i32(ld(out)).i32(out.rows()).i32(out.cols()).i32(accumulate ? 1 : 0);
        launch(out.size());
    }

    void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        Shapes.scatterAddRows(src, ids, idOffset, table);
        if (be.switches().fastKernels() && scatterWithoutAtomics(src, ids, idOffset, table)) {
            return;
        }
        kernel("scatter_add_rows").ptr(be.addr(src)).i32(ld(src)).ptr(be.addr(ids, idOffset)).ptr(be.addr(table))
                .i32(ld(table)).i32(src.rows()).i32(src.cols());
        launch(src.size());
    }

    /**
     * The deterministic scatter-add of the fast kernels: for a small table, {@code table += onehotᵀ ·
     * src} (one GEMM); for a large one and at most {@value #SORT_MAX_ROWS} rows, the ids sorted with
     * their rows by one block, then each run of equal ids added in row order. False (nothing
     * queued) when neither applies, or when its scratch would have to grow during a capture.
     */
    private boolean scatterWithoutAtomics(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        int n = src.rows();
        if (table.rows() <= ONE_HOT_MAX_ROWS) {
            Tensor onehot = scatterScratch.reserve(n, table.rows());
            if (onehot == null) {
                return false;
            }
            kernel("one_hot_rows").ptr(be.addr(ids, idOffset)).i32(n).i32(table.rows()).ptr(be.addr(onehot))
                    .i32(ld(onehot));
            launch((long) n * table.rows());
            gemm(table, onehot, true, src, false, 1f, 1f);
            return true;
        }
        Tensor order = n <= SORT_MAX_ROWS ? scatterScratch.reserve(2, Math.max(1, n)) : null;   // two int rows, as floats
        if (order == null) {
            return false;
        }
        long sorted = be.addr(order);
        long rows = sorted + 4L * order.rowStride();
        kernel("sort_ids").ptr(be.addr(ids, idOffset)).i32(n).ptr(sorted).ptr(rows);
        launchBlocks(1);
        kernel("scatter_sorted").ptr(be.addr(src)).i32(ld(src)).ptr(sorted).ptr(rows).i32(n).ptr(be.addr(table))
                .i32(ld(table)).i32(src.cols());
        launchBlocks(Math.max(1, Math.min(MAX_BLOCKS, n)));
        return true;
    }

    void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        Shapes.activationForward(f, s, h, slope);
        kernel("act_forward").i32(KernelCodes.activation(f)).ptr(be.addr(s)).i32(ld(s)).ptr(be.addr(h)).i32(ld(h))
                .i32(s.rows()).i32(s.cols()).ptr(f == Activation.PRELU ? be.addr(slope) : 0L).ptr(be.errorFlag());
        launch(s.size());
    }

    void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        Shapes.activationBackward(f, s, h, g, slope, slopeGrad);
        boolean prelu = f == Activation.PRELU;
        kernel("act_backward").i32(KernelCodes.activation(f)).ptr(be.addr(s)).i32(ld(s)).ptr(be.addr(h)).i32(ld(h))
                .ptr(be.addr(g)).i32(ld(g)).i32(g.rows()).i32(g.cols()).ptr(prelu ? be.addr(slope) : 0L)
                .ptr(prelu ? be.addr(slopeGrad) : 0L).ptr(be.errorFlag());
        launch(g.size());
    }

    void dropoutMask(Tensor mask, float p, long seed, long stream) {
        Shapes.dropoutMask(mask, p);
        kernel("dropout_mask").ptr(be.addr(mask)).i64(mask.size()).f32(p).f32(1f / (1f - p)).i64(seed).i64(stream);
        launch(mask.size());
    }

    void multiply(Tensor x, Tensor factors, Tensor out) {
        Shapes.multiply(x, factors, out);
        kernel("multiply_rows").ptr(be.addr(x)).i32(ld(x)).ptr(be.addr(factors)).i32(ld(factors)).i32(factors.rows())
                .ptr(be.addr(out)).i32(ld(out)).i32(x.rows()).i32(x.cols());
        launch(x.size());
    }

    void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        Shapes.lstmForward(gates, cPrev, c, h, tanhC);
        kernel("lstm_forward").ptr(be.addr(gates)).i32(ld(gates)).ptr(be.addr(cPrev)).i32(ld(cPrev)).ptr(be.addr(c))
                .i32(ld(c)).ptr(be.addr(h)).i32(ld(h)).ptr(be.addr(tanhC)).i32(ld(tanhC)).i32(h.rows()).i32(h.cols());
        launch((long) h.rows() * h.cols());
    }

    void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        Shapes.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
        kernel("lstm_backward").ptr(be.addr(gates)).i32(ld(gates)).ptr(be.addr(cPrev)).i32(ld(cPrev))
                .ptr(be.addr(tanhC)).i32(ld(tanhC)).ptr(be.addr(dh)).i32(ld(dh)).ptr(be.addr(dc)).i32(ld(dc))
                .ptr(be.addr(dGates)).i32(ld(dGates)).i32(dh.rows()).i32(dh.cols());
        launch((long) dh.rows() * dh.cols());
    }

    void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        Shapes.gruForward(xGates, hGates, hPrev, h, gates);
        kernel("gru_forward").ptr(be.addr(xGates)).i32(ld(xGates)).ptr(be.addr(hGates)).i32(ld(hGates))
                .ptr(be.addr(hPrev)).i32(ld(hPrev)).ptr(be.addr(h)).i32(ld(h)).ptr(be.addr(gates)).i32(ld(gates))
                .i32(h.rows()).i32(h.cols());
        launch((long) h.rows() * h.cols());
    }

    void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                     Tensor dhPrev) {
        Shapes.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        kernel("gru_backward").ptr(be.addr(gates)).i32(ld(gates)).ptr(be.addr(hGates)).i32(ld(hGates))
                .ptr(be.addr(hPrev)).i32(ld(hPrev)).ptr(be.addr(dh)).i32(ld(dh)).ptr(be.addr(dxGates))
                .i32(ld(dxGates)).ptr(be.addr(dhGates)).i32(ld(dhGates)).ptr(be.addr(dhPrev)).i32(ld(dhPrev))
                .i32(dh.rows()).i32(dh.cols());
        launch((long) dh.rows() * dh.cols());
    }

    void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights, float gradScale,
                             Tensor loss) {
        Shapes.softmaxCrossEntropy(z, targets, targetOffset, weights, loss);
        long za = be.addr(z);
        long ta = be.addr(targets, targetOffset);
        long wa = weights == null ? 0L : be.addr(weights);
        long la = be.addr(loss); // checked before anything is queued
        if (be.switches().fastKernels() && z.cols() <= 1024) {
            kernel("softmax_ce_warp").ptr(za).i32(ld(z)).i32(z.rows()).i32(z.cols()).ptr(ta).ptr(wa)
                    .i32(weights == null ? 0 : ld(weights)).f32(gradScale).ptr(be.scratch(CudaDevice.ACC))
                    .ptr(be.scratch(CudaDevice.DONE)).ptr(la);
            launchBlocks(Math.max(1, Math.min(MAX_BLOCKS, (z.rows() + WARPS - 1) / WARPS)));
            return;
        }
        zeroScratch();
        kernel("softmax_ce").ptr(za).i32(ld(z)).i32(z.rows()).i32(z.cols()).ptr(ta).ptr(wa)
                .i32(weights == null ? 0 : ld(weights)).f32(gradScale).ptr(be.scratch());
        launchBlocks(Math.max(1, Math.min(MAX_BLOCKS, z.rows())));
        finishScalar(loss, true);
    }

    void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        Shapes.squaredError(pred, target, weights, loss);
        long pa = be.addr(pred);
        long ta = be.addr(target);
        long wa = weights == null ? 0L : be.addr(weights);
        be.addr(loss); // checked before anything is queued
        zeroScratch();
        kernel("squared_error").ptr(pa).i32(ld(pred)).ptr(ta).i32(ld(target)).ptr(wa)
                .i32(weights == null ? 0 : ld(weights)).i32(pred.rows()).i32(pred.cols()).f32(gradScale)
                .ptr(be.scratch());
        launch(pred.size());
        finishScalar(loss, true);
    }

    void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum) {
        Shapes.omegaRows(v, delta, out, sum);
        long va = be.addr(v);
        long da = be.addr(delta);
        long oa = be.addr(out);
        be.addr(sum); // checked before anything is queued
        zeroScratch();
        kernel("omega_rows").ptr(va).i32(ld(v)).ptr(da).i32(ld(delta)).ptr(oa).i32(ld(out)).i32(v.rows())
                .i32(v.cols()).ptr(be.scratch());
        launch(v.rows());
        finishScalar(sum, true);
    }

    void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        Shapes.clipScale(sumSquares, scale);
        kernel("clip_scale").ptr(be.addr(sumSquares)).f32(threshold).ptr(be.addr(scale));
        launchBlocks(1);
    }

    void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                         Tensor gradScale, long step) {
        Shapes.optimizerUpdate(rule, params, grads, state1, state2, state3, gradScale, step);
        update(rule, params, grads, state1, state2, state3, gradScale, step, false);
    }

    private void update(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                        Tensor gradScale, long step, boolean gated) {
        int states = rule.stateTensors();
        float c1 = (float) (1.0 / (1.0 - Math.pow(rule.beta1(), step)));
        float c2 = (float) (1.0 / (1.0 - Math.pow(rule.beta2(), step)));
        long pa = be.addr(params);
        long ga = be.addr(grads);
        long s1 = states >= 1 ? be.addr(state1) : 0L;
        long s2 = states >= 2 ? be.addr(state2) : 0L;
        long s3 = states >= 3 ? be.addr(state3) : 0L;
        long ka = be.addr(gradScale);
        kernel("optimizer_update").i32(KernelCodes.optimizer(rule.kind())).ptr(pa).ptr(ga).ptr(s1).ptr(s2).ptr(s3)
                .i64(params.size()).ptr(ka).f32(rule.learningRate()).f32(rule.momentum()).f32(rule.rho())
                .f32(rule.beta1()).f32(rule.beta2()).f32(rule.epsilon()).f32(rule.weightDecay())
                .i32(rule.nesterov() ? 1 : 0).i32(rule.centered() ? 1 : 0).f32(rule.clipValue()).f32(c1).f32(c2)
                .ptr(gated ? be.scratch(CudaDevice.CONTROL) : 0L).ptr(be.errorFlag());
        launch(params.size());
    }

    /**
     * {@link io.rnn4j.backend.Backend#gatedUpdate} on the device: {@code update_gate} (one thread)
     * checks {@code check}, counts the update in {@code control} and writes the step, Adam's bias
     * corrections and the control's learning rate into the control words; the update kernel reads
     * them (and returns at once when the gate closed). Two launches, no host round trip, nothing
     * that a replay of a captured step would need to change.
     */
    void gatedUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                     Tensor gradScale, Tensor check, Tensor control) {
        Shapes.optimizerUpdate(rule, params, grads, state1, state2, state3, gradScale, 1);
        Shapes.gateControl(control);
        long ca = be.addr(control);
        long ka = check == null ? 0L : be.addr(check);
        kernel("update_gate").ptr(ka).i32(check == null ? 0 : check.rows()).i32(check == null ? 0 : check.cols())
                .i32(check == null ? 0 : ld(check)).ptr(ca).f32(rule.beta1()).f32(rule.beta2())
                .ptr(be.scratch(CudaDevice.CONTROL));
        launchBlocks(1);
        update(rule, params, grads, state1, state2, state3, gradScale, 1, true);
    }
}

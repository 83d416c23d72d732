package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A backend that forwards every kernel to another and adds up the wall time per kernel (after a
 * {@link Backend#synchronize()}, so asynchronous backends are timed correctly). For
 * {@code step --profile}: where the time of a training step goes. Not for production: the
 * synchronization removes any overlap a GPU backend would have.
 */
final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final Map<String, long[]> totals = new LinkedHashMap<>();

    ProfilingBackend(Backend inner) {
        this.inner = inner;
    }

    private long start() {
        return System.nanoTime();
    }

    private void stop(String kernel, long t0) {
        inner.synchronize();
        long[] v = totals.computeIfAbsent(kernel, k -> new long[2]);
        v[0] += System.nanoTime() - t0;
        v[1]++;
    }

    /** Counts a whole sweep that the inner backend ran (a sweep it declined took no time of its own). */
    private boolean stopIf(boolean ran, String kernel, long t0) {
        if (ran) {
            stop(kernel, t0);
        }
        return ran;
    }

    /** Clears the totals. */
    void reset() {
        totals.clear();
    }

    /** A table of kernel, calls, total ms and share, sorted by time; {@code steps} divides to per-step figures. */
    String report(int steps) {
        long all = 0;
        for (long[] v : totals.values()) {
            all += v[0];
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  %-34s %12s %14s %7s%n", "kernel", "calls/step", "ms/step", "share"));
        final long total = all;
        totals.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).forEach(e ->
                sb.append(String.format(Locale.ROOT, "  %-34s %12.1f %14.3f %6.1f%%%n", e.getKey(),
                        e.getValue()[1] / (double) steps, e.getValue()[0] / 1e6 / steps, 100.0 * e.getValue()[0] / total)));
        sb.append(String.format(Locale.ROOT, "  %-34s %12s %14.3f%n", "all kernels", "", total / 1e6 / steps));
        return sb.toString();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String description() {
        return inner.description() + " (profiled)";
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return inner.allocate(rows, cols);
    }

    @Override
    public IndexBuffer allocateIndices(int length) {
        return inner.allocateIndices(length);
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        long t = start();
        inner.upload(src, srcOffset, dst);
        stop("upload", t);
    }

    @Override
    public void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        long t = start();
        inner.uploadIndices(src, srcOffset, dst, count);
        stop("uploadIndices", t);
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        long t = start();
        inner.download(src, dst, dstOffset);
        stop("download", t);
    }

    @Override
    public void fill(Tensor t, float value) {
        long t0 = start();
        inner.fill(t, value);
        stop("fill", t0);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        long t = start();
        inner.copy(src, dst);
        stop("copy", t);
    }

    @Override
    public void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        long t = start();
        inner.gemm(c, a, transA, b, transB, alpha, beta);
        stop(String.format(Locale.ROOT, "gemm %dx%dx%d%s%s", c.rows(), c.cols(), transA ? a.rows() : a.cols(),
                transA ? " Aᵀ" : "", transB ? " Bᵀ" : ""), t);
    }

    @Override
    public void scale(Tensor x, float alpha) {
        long t = start();
        inner.scale(x, alpha);
        stop("scale", t);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        long t = start();
        inner.axpy(alpha, x, y);
        stop("axpy", t);
    }

    @Override
    public void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        long t = start();
        inner.sumSquares(x, out, accumulate);
        stop("sumSquares", t);
    }

    @Override
    public void addRowVector(Tensor x, Tensor v) {
        long t = start();
        inner.addRowVector(x, v);
        stop("addRowVector", t);
    }

    @Override
    public void sumRows(Tensor x, Tensor out, boolean accumulate) {
        long t = start();
        inner.sumRows(x, out, accumulate);
        stop("sumRows", t);
    }

    @Override
    public void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        long t = start();
        inner.gatherRows(table, ids, idOffset, out, accumulate);
        stop("gatherRows", t);
    }

    @Override
    public void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        long t = start();
        inner.scatterAddRows(src, ids, idOffset, table);
        stop("scatterAddRows", t);
    }

    @Override
    public void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        long t = start();
        inner.activationForward(f, s, h, slope);
        stop("activationForward", t);
    }

    @Override
    public void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        long t = start();
        inner.activationBackward(f, s, h, g, slope, slopeGrad);
        stop("activationBackward", t);
    }

    @Override
    public void recurrentForward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope, int batch) {
        long t = start();
        inner.recurrentForward(f, recurrent, pre, hidden, slope, batch);
        stop("recurrentForward", t);
    }

    @Override
    public void recurrentBackward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad, Tensor slope,
                                  Tensor slopeGrad, int batch, Tensor stepSquares) {
        long t = start();
        inner.recurrentBackward(f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
        stop("recurrentBackward", t);
    }

    @Override
    public void dropoutMask(Tensor mask, float p, long seed, long stream) {
        long t = start();
        inner.dropoutMask(mask, p, seed, stream);
        stop("dropoutMask", t);
    }

    @Override
    public void multiply(Tensor x, Tensor factors, Tensor out) {
        long t = start();
        inner.multiply(x, factors, out);
        stop("multiply", t);
    }

    @Override
    public void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        long t = start();
        inner.lstmForward(gates, cPrev, c, h, tanhC);
        stop("lstmForward", t);
    }

    @Override
    public void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        long t = start();
        inner.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
        stop("lstmBackward", t);
    }

    @Override
    public void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        long t = start();
        inner.gruForward(xGates, hGates, hPrev, h, gates);
        stop("gruForward", t);
    }

    @Override
    public void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                            Tensor dhPrev) {
        long t = start();
        inner.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        stop("gruBackward", t);
    }

    @Override
    public void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights, float gradScale,
                                    Tensor loss) {
        long t = start();
        inner.softmaxCrossEntropy(z, targets, targetOffset, weights, gradScale, loss);
        stop("softmaxCrossEntropy", t);
    }

    @Override
    public void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        long t = start();
        inner.squaredError(pred, target, weights, gradScale, loss);
        stop("squaredError", t);
    }

    @Override
    public void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum) {
        long t = start();
        inner.omegaRows(v, delta, out, sum);
        stop("omegaRows", t);
    }

    @Override
    public void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        long t = start();
        inner.clipScale(sumSquares, threshold, scale);
        stop("clipScale", t);
    }

    @Override
    public void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                Tensor state3, Tensor gradScale, long step) {
        long t = start();
        inner.optimizerUpdate(rule, params, grads, state1, state2, state3, gradScale, step);
        stop("optimizerUpdate", t);
    }

    @Override
    public boolean lstmRecurrentForward(Tensor recurrent, Tensor gates, Tensor hidden, Tensor cells, Tensor tanhC,
                                        int batch) {
        long t = start();
        boolean ran = inner.lstmRecurrentForward(recurrent, gates, hidden, cells, tanhC, batch);
        return stopIf(ran, "lstmRecurrentForward", t);
    }

    @Override
    public boolean lstmRecurrentBackward(Tensor recurrent, Tensor gates, Tensor cells, Tensor tanhC, Tensor grad,
                                         Tensor dc, Tensor dGates, int batch, Tensor stepSquares) {
        long t = start();
        boolean ran = inner.lstmRecurrentBackward(recurrent, gates, cells, tanhC, grad, dc, dGates, batch, stepSquares);
        return stopIf(ran, "lstmRecurrentBackward", t);
    }

    @Override
    public boolean gruRecurrentForward(Tensor recurrent, Tensor recurrentBias, Tensor xGates, Tensor hGates,
                                       Tensor hidden, Tensor acts, int batch) {
        long t = start();
        boolean ran = inner.gruRecurrentForward(recurrent, recurrentBias, xGates, hGates, hidden, acts, batch);
        return stopIf(ran, "gruRecurrentForward", t);
    }

    @Override
    public boolean gruRecurrentBackward(Tensor recurrent, Tensor acts, Tensor hGates, Tensor hidden, Tensor grad,
                                        Tensor dxGates, Tensor dhGates, Tensor dhDirect, int batch, Tensor stepSquares) {
        long t = start();
        boolean ran = inner.gruRecurrentBackward(recurrent, acts, hGates, hidden, grad, dxGates, dhGates, dhDirect,
                batch, stepSquares);
        return stopIf(ran, "gruRecurrentBackward", t);
    }

    @Override
    public void gatedUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                            Tensor gradScale, Tensor check, Tensor control, long step) {
        long t = start();
        inner.gatedUpdate(rule, params, grads, state1, state2, state3, gradScale, check, control, step);
        stop("gatedUpdate", t);
    }

    /** The inner backend's count (the profile does not capture: every kernel is timed on its own). */
    @Override
    public long operationsQueued() {
        return inner.operationsQueued();
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void close() {
        inner.close();
    }
}

package io.rnn4j.backend;

/**
 * A backend that hands every call to another one; a test overrides what it wants to change or
 * watch. It does not override {@link Backend#recurrentForward} and {@link Backend#recurrentBackward}
 * unless told to: {@link #hidingRecurrences} gives a backend whose recurrences are the
 * {@link Backend} interface's step-by-step defaults (the path the CUDA backend takes) on top of the
 * delegate's GEMM and activations.
 */
public class ForwardingBackend implements Backend {
    protected final Backend inner;

    public ForwardingBackend(Backend inner) {
        this.inner = inner;
    }

    /** The delegate's kernels with the interface's default (per-step) recurrences. */
    public static Backend hidingRecurrences(Backend inner) {
        return new ForwardingBackend(inner);
    }

    /** The delegate's kernels and its own whole recurrences. */
    public static Backend withRecurrences(Backend inner) {
        return new ForwardingBackend(inner) {
            @Override
            public void recurrentForward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor slope,
                                         int batch) {
                inner.recurrentForward(f, recurrent, pre, hidden, slope, batch);
            }

            @Override
            public void recurrentBackward(Activation f, Tensor recurrent, Tensor pre, Tensor hidden, Tensor grad,
                                          Tensor slope, Tensor slopeGrad, int batch, Tensor stepSquares) {
                inner.recurrentBackward(f, recurrent, pre, hidden, grad, slope, slopeGrad, batch, stepSquares);
            }
        };
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String description() {
        return inner.description() + " (forwarded)";
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
        inner.upload(src, srcOffset, dst);
    }

    @Override
    public void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        inner.uploadIndices(src, srcOffset, dst, count);
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        inner.download(src, dst, dstOffset);
    }

    @Override
    public void fill(Tensor t, float value) {
        inner.fill(t, value);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        inner.copy(src, dst);
    }

    @Override
    public void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        inner.gemm(c, a, transA, b, transB, alpha, beta);
    }

    @Override
    public void scale(Tensor x, float alpha) {
        inner.scale(x, alpha);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        inner.axpy(alpha, x, y);
    }

    @Override
    public void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        inner.sumSquares(x, out, accumulate);
    }

    @Override
    public void addRowVector(Tensor x, Tensor v) {
        inner.addRowVector(x, v);
    }

    @Override
    public void sumRows(Tensor x, Tensor out, boolean accumulate) {
        inner.sumRows(x, out, accumulate);
    }

    @Override
    public void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        inner.gatherRows(table, ids, idOffset, out, accumulate);
    }

    @Override
    public void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        inner.scatterAddRows(src, ids, idOffset, table);
    }

    @Override
    public void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        inner.activationForward(f, s, h, slope);
    }

    @Override
    public void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        inner.activationBackward(f, s, h, g, slope, slopeGrad);
    }

    @Override
    public void dropoutMask(Tensor mask, float p, long seed, long stream) {
        inner.dropoutMask(mask, p, seed, stream);
    }

    @Override
    public void multiply(Tensor x, Tensor factors, Tensor out) {
        inner.multiply(x, factors, out);
    }

    @Override
    public void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        inner.lstmForward(gates, cPrev, c, h, tanhC);
    }

    @Override
    public void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        inner.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
    }

    @Override
    public void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        inner.gruForward(xGates, hGates, hPrev, h, gates);
    }

    @Override
    public void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                            Tensor dhPrev) {
        inner.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
    }

    @Override
    public void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights, float gradScale,
                                    Tensor loss) {
        inner.softmaxCrossEntropy(z, targets, targetOffset, weights, gradScale, loss);
    }

    @Override
    public void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        inner.squaredError(pred, target, weights, gradScale, loss);
    }

    @Override
    public void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum) {
        inner.omegaRows(v, delta, out, sum);
    }

    @Override
    public void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        inner.clipScale(sumSquares, threshold, scale);
    }

    @Override
    public void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                Tensor state3, Tensor gradScale, long step) {
        inner.optimizerUpdate(rule, params, grads, state1, state2, state3, gradScale, step);
    }

    @Override
    public void gatedUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                            Tensor gradScale, Tensor check, Tensor control, long step) {
        inner.gatedUpdate(rule, params, grads, state1, state2, state3, gradScale, check, control, step);
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

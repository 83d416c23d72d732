package io.rnn4j.backend;

/**
 * A backend that runs the whole LSTM and GRU sweeps ({@link Backend#lstmRecurrentForward} and the
 * others answer true), built from their documented per-step meaning on the delegate's kernels: the
 * way a GPU backend takes them, on the CPU. Training through it must equal training through the
 * cells' own steps, which checks how the cells hand their buffers to the sweeps.
 */
public class WholeSweepBackend extends ForwardingBackend {
    public WholeSweepBackend(Backend inner) {
        super(inner);
    }

    private static Tensor at(Tensor x, int t, int b) {
        return x.rows(t * b, b);
    }

    private void record(Tensor stepSquares, int t, int column, Tensor x) {
        if (stepSquares != null) {
            inner.sumSquares(x, stepSquares.rows(t, 1).cols(column, 1), false);
        }
    }

    @Override
    public boolean lstmRecurrentForward(Tensor u, Tensor gates, Tensor hidden, Tensor cells, Tensor tanhC, int b) {
        for (int t = 0; t < gates.rows() / b; t++) {
            Tensor g = at(gates, t, b);
            inner.gemm(g, at(hidden, t, b), false, u, true, 1f, 1f);
            inner.lstmForward(g, at(cells, t, b), at(cells, t + 1, b), at(hidden, t + 1, b), at(tanhC, t, b));
        }
        return true;
    }

    @Override
    public boolean lstmRecurrentBackward(Tensor u, Tensor gates, Tensor cells, Tensor tanhC, Tensor grad, Tensor dc,
                                         Tensor dGates, int b, Tensor stepSquares) {
        for (int t = gates.rows() / b - 1; t >= 0; t--) {
            Tensor dg = at(dGates, t, b);
            record(stepSquares, t, 0, at(grad, t, b));
            inner.lstmBackward(at(gates, t, b), at(cells, t, b), at(tanhC, t, b), at(grad, t, b), dc, dg);
            record(stepSquares, t, 1, dg);
            if (t > 0) {
                inner.gemm(at(grad, t - 1, b), dg, false, u, false, 1f, 1f);
            }
        }
        return true;
    }

    @Override
    public boolean gruRecurrentForward(Tensor u, Tensor bias, Tensor xGates, Tensor hGates, Tensor hidden, Tensor acts,
                                       int b) {
        for (int t = 0; t < xGates.rows() / b; t++) {
            Tensor hg = at(hGates, t, b);
            inner.gemm(hg, at(hidden, t, b), false, u, true, 1f, 0f);
            if (bias != null) {
                inner.addRowVector(hg, bias);
            }
            inner.gruForward(at(xGates, t, b), hg, at(hidden, t, b), at(hidden, t + 1, b), at(acts, t, b));
        }
        return true;
    }

    @Override
    public boolean gruRecurrentBackward(Tensor u, Tensor acts, Tensor hGates, Tensor hidden, Tensor grad,
                                        Tensor dxGates, Tensor dhGates, Tensor dhDirect, int b, Tensor stepSquares) {
        for (int t = acts.rows() / b - 1; t >= 0; t--) {
            Tensor dx = at(dxGates, t, b);
            Tensor dhg = at(dhGates, t, b);
            record(stepSquares, t, 0, at(grad, t, b));
            inner.gruBackward(at(acts, t, b), at(hGates, t, b), at(hidden, t, b), at(grad, t, b), dx, dhg, dhDirect);
            record(stepSquares, t, 1, dx);
            if (t > 0) {
                inner.axpy(1f, dhDirect, at(grad, t - 1, b));
                inner.gemm(at(grad, t - 1, b), dhg, false, u, false, 1f, 1f);
            }
        }
        return true;
    }
}

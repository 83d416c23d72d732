package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;

import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/** The fused LSTM and GRU step kernels of the CPU backend, split by batch rows over its threads. */
final class CpuGates {
    private final CpuBackend be;
    private final GateTask gateTask = new GateTask();

    CpuGates(CpuBackend be) {
        this.be = be;
    }

    void lstmForward(Tensor gates, Tensor cPrev, Tensor c, Tensor h, Tensor tanhC) {
        Shapes.lstmForward(gates, cPrev, c, h, tanhC);
        gateTask.set(GateTask.LSTM_FORWARD, h.rows(), h.cols(), gates, cPrev, c, h, tanhC, null, null);
        be.workers.run(gateTask, gateParts(h.rows(), h.cols()));
    }

    void lstmBackward(Tensor gates, Tensor cPrev, Tensor tanhC, Tensor dh, Tensor dc, Tensor dGates) {
        Shapes.lstmBackward(gates, cPrev, tanhC, dh, dc, dGates);
        gateTask.set(GateTask.LSTM_BACKWARD, dh.rows(), dh.cols(), gates, cPrev, tanhC, dh, dc, dGates, null);
        be.workers.run(gateTask, gateParts(dh.rows(), dh.cols()));
    }

    void gruForward(Tensor xGates, Tensor hGates, Tensor hPrev, Tensor h, Tensor gates) {
        Shapes.gruForward(xGates, hGates, hPrev, h, gates);
        gateTask.set(GateTask.GRU_FORWARD, h.rows(), h.cols(), xGates, hGates, hPrev, h, gates, null, null);
        be.workers.run(gateTask, gateParts(h.rows(), h.cols()));
    }

    void gruBackward(Tensor gates, Tensor hGates, Tensor hPrev, Tensor dh, Tensor dxGates, Tensor dhGates,
                     Tensor dhPrev) {
        Shapes.gruBackward(gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        gateTask.set(GateTask.GRU_BACKWARD, dh.rows(), dh.cols(), gates, hGates, hPrev, dh, dxGates, dhGates, dhPrev);
        be.workers.run(gateTask, gateParts(dh.rows(), dh.cols()));
    }

    private int gateParts(int rows, int h) {
        return (long) rows * h * 4 >= CpuBackend.PARALLEL_ELEMENTS / 4 ? Math.min(be.threads, rows) : 1;
    }

    /** The fused gate kernels, split by batch rows. */
    private final class GateTask implements CpuWorkers.Task {
        static final int LSTM_FORWARD = 0;
        static final int LSTM_BACKWARD = 1;
        static final int GRU_FORWARD = 2;
        static final int GRU_BACKWARD = 3;
        int op;
        int rows;
        int h;
        final FloatBuffer[] b = new FloatBuffer[7];
        final int[] o = new int[7];
        final int[] s = new int[7];

        void set(int op, int rows, int h, Tensor t0, Tensor t1, Tensor t2, Tensor t3, Tensor t4, Tensor t5,
                 Tensor t6) {
            this.op = op;
            this.rows = rows;
            this.h = h;
            put(0, t0);
            put(1, t1);
            put(2, t2);
            put(3, t3);
            put(4, t4);
            put(5, t5);
            put(6, t6);
        }

        private void put(int i, Tensor t) {
            b[i] = t == null ? null : be.data(t);
            o[i] = t == null ? 0 : off(t);
            s[i] = t == null ? 0 : t.rowStride();
        }

        @Override
        public void run(int part, int parts) {
            int r0 = lo(rows, part, parts);
            int r1 = lo(rows, part + 1, parts);
            switch (op) {
                case LSTM_FORWARD -> Kernels.lstmForward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], r0, r1, 0, h, h);
                case LSTM_BACKWARD -> Kernels.lstmBackward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], b[5], o[5], s[5], r0, r1, 0, h, h);
                case GRU_FORWARD -> Kernels.gruForward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], r0, r1, 0, h, h);
                case GRU_BACKWARD -> Kernels.gruBackward(b[0], o[0], s[0], b[1], o[1], s[1], b[2], o[2], s[2], b[3],
                        o[3], s[3], b[4], o[4], s[4], b[5], o[5], s[5], b[6], o[6], s[6], r0, r1, 0, h, h);
                default -> throw new IllegalStateException("op " + op);
            }
        }
    }
}

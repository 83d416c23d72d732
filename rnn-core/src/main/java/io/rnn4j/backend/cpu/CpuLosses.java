package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;
import static io.rnn4j.backend.cpu.CpuBackend.rowBase;

import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/** The loss heads of the CPU backend (softmax cross-entropy split by rows, squared error) and the clipping factor. */
final class CpuLosses {
    private final CpuBackend be;
    private final SoftmaxTask softmaxTask = new SoftmaxTask();

    CpuLosses(CpuBackend be) {
        this.be = be;
    }

    void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights, float gradScale,
                             Tensor loss) {
        Shapes.softmaxCrossEntropy(z, targets, targetOffset, weights, loss);
        SoftmaxTask t = softmaxTask;
        t.z = be.data(z);
        t.zOff = off(z);
        t.zStride = z.rowStride();
        t.rows = z.rows();
        t.cols = z.cols();
        t.tg = be.idx(targets);
        t.tOff = targetOffset;
        t.w = weights == null ? null : be.data(weights);
        t.wOff = weights == null ? 0 : off(weights);
        t.wStride = weights == null ? 0 : weights.rowStride();
        t.gradScale = gradScale;
        int parts = Math.min(be.partsFor(z.size()), Math.max(1, z.rows()));
        be.workers.run(t, parts);
        double total = be.partials.sum(parts);
        FloatBuffer ld = be.data(loss);
        ld.put(off(loss), (float) (ld.get(off(loss)) + total));
    }

    private final class SoftmaxTask implements CpuWorkers.Task {
        FloatBuffer z;
        int zOff;
        int zStride;
        int rows;
        int cols;
        int[] tg;
        int tOff;
        FloatBuffer w;
        int wOff;
        int wStride;
        float gradScale;

        @Override
        public void run(int part, int parts) {
            be.partials.set(part, Kernels.softmaxCrossEntropy(z, zOff, zStride, lo(rows, part, parts),
                    lo(rows, part + 1, parts), cols, tg, tOff, w, wOff, wStride, gradScale));
        }
    }

    void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        Shapes.squaredError(pred, target, weights, loss);
        FloatBuffer pd = be.data(pred);
        FloatBuffer td = be.data(target);
        FloatBuffer wd = weights == null ? null : be.data(weights);
        double total = 0;
        for (int r = 0; r < pred.rows(); r++) {
            int pb = rowBase(pred, r);
            int tb = rowBase(target, r);
            float w = wd == null ? 1f : wd.get(rowBase(weights, r));
            float k = 2f * gradScale * w;
            for (int c = 0; c < pred.cols(); c++) {
                float d = pd.get(pb + c) - td.get(tb + c);
                if (w != 0f) {
                    total += (double) w * d * d;
                }
                pd.put(pb + c, w == 0f ? 0f : k * d);
            }
        }
        FloatBuffer ld = be.data(loss);
        ld.put(off(loss), (float) (ld.get(off(loss)) + total));
    }

    void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        Shapes.clipScale(sumSquares, scale);
        double norm = Math.sqrt(be.data(sumSquares).get(off(sumSquares)));
        float k;
        if (!Double.isFinite(norm)) {
            k = Float.NaN;
        } else {
            k = norm >= threshold ? (float) (threshold / norm) : 1f;
        }
        be.data(scale).put(off(scale), k);
    }

    void omegaRows(Tensor v, Tensor delta, Tensor out, Tensor sum) {
        Shapes.omegaRows(v, delta, out, sum);
        FloatBuffer vd = be.data(v);
        FloatBuffer dd = be.data(delta);
        FloatBuffer od = be.data(out);
        double total = 0;
        for (int r = 0; r < v.rows(); r++) {
            int vb = rowBase(v, r);
            int db = rowBase(delta, r);
            int ob = rowBase(out, r);
            double sv = 0;
            double sd = 0;
            for (int c = 0; c < v.cols(); c++) {
                double a = vd.get(vb + c);
                double d = dd.get(db + c);
                sv += a * a;
                sd += d * d;
            }
            double nv = Math.sqrt(sv);
            double nd = Math.sqrt(sd);
            double rho = nd > 0 ? nv / nd : 1;
            if (nd > 0) {
                total += (rho - 1) * (rho - 1);
            }
            float k = nd > 0 && nv > 0 ? (float) (2 * (rho - 1) / (nv * nd)) : 0f;
            for (int c = 0; c < v.cols(); c++) {
                od.put(ob + c, k * vd.get(vb + c));
            }
        }
        FloatBuffer sd = be.data(sum);
        int so = rowBase(sum, 0);
        sd.put(so, (float) (sd.get(so) + total));
    }
}

package io.rnn4j.reference;

import io.rnn4j.data.Batch;
import io.rnn4j.train.Loss;
import io.rnn4j.train.Reduction;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The output head of the float64 references, shared by the Elman, gated and stacked references:
 * {@code z = V h + c}, the loss term of one position and {@code ∂E/∂z}, in double, straight from the
 * definitions (softmax cross-entropy {@code −log softmax(z)[y]}, squared error {@code Σ (z − y)²}).
 */
final class ReferenceHead {
    private ReferenceHead() {
    }

    /** What one position adds: the weighted loss, the weight it adds to the mean's denominator, ∂E/∂z. */
    record Term(double loss, double weight, double[] dz) {
    }

    /**
     * The head at position {@code pos} = (t, b) of {@code batch} for hidden state {@code h};
     * {@code v} is O×H row-major, {@code c} the output bias or null. The loss weight is the mask at
     * {@code pos} (1 without a mask); the caller only asks for positions that carry a loss.
     */
    static Term term(Loss loss, Batch batch, int pos, int b, double[] h, double[] v, double[] c, int o) {
        int hs = h.length;
        double w = batch.lossMask() == null ? 1 : batch.lossMask()[pos];
        double[] z = new double[o];
        for (int k = 0; k < o; k++) {
            double acc = c == null ? 0 : c[k];
            for (int i = 0; i < hs; i++) {
                acc += v[k * hs + i] * h[i];
            }
            z[k] = acc;
        }
        double[] dz = new double[o];
        double total = 0;
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            int y = batch.targetIds()[pos];
            double max = Double.NEGATIVE_INFINITY;
            for (double zk : z) {
                max = Math.max(max, zk);
            }
            double sum = 0;
            for (double zk : z) {
                sum += Math.exp(zk - max);
            }
            double lse = max + Math.log(sum);
            if (w != 0) {
                total = w * (lse - z[y]);
                for (int k = 0; k < o; k++) {
                    dz[k] = w * (Math.exp(z[k] - lse) - (k == y ? 1 : 0));
                }
            }
            return new Term(total, w, dz);
        }
        float[] y = batch.targets();
        int base = loss == Loss.MSE_LAST_STEP ? b * o : pos * o;
        for (int k = 0; k < o; k++) {
            double diff = z[k] - y[base + k];
            total += w * diff * diff;
            dz[k] = w * 2 * diff;
        }
        return new Term(total, w * o, dz);
    }

    /**
     * The reduction's factor: 1 for a sum, {@code 1/Σw} for a mean (0 when no position carries a
     * loss). Multiplies every {@code ∂E/∂z} in {@code dz} (indexed [t][b], null where no loss) by it.
     */
    static double reduce(Reduction reduction, double weightSum, double[][][] dz) {
        double scale = reduction == Reduction.SUM ? 1 : (weightSum > 0 ? 1 / weightSum : 0);
        for (double[][] row : dz) {
            for (double[] d : row) {
                if (d != null) {
                    for (int k = 0; k < d.length; k++) {
                        d[k] *= scale;
                    }
                }
            }
        }
        return scale;
    }

    /**
     * Central differences {@code (E(θ+ε) − E(θ−ε)) / 2ε} of {@code loss} for every entry of every
     * parameter in {@code params}, each entry restored afterwards; keyed like {@code params}.
     */
    static Map<String, double[]> finiteDifferences(Map<String, double[]> params, DoubleSupplier loss, double eps) {
        Map<String, double[]> gr = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : params.entrySet()) {
            double[] v = e.getValue();
            double[] out = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                double old = v[i];
                v[i] = old + eps;
                double up = loss.getAsDouble();
                v[i] = old - eps;
                double down = loss.getAsDouble();
                v[i] = old;
                out[i] = (up - down) / (2 * eps);
            }
            gr.put(e.getKey(), out);
        }
        return gr;
    }
}

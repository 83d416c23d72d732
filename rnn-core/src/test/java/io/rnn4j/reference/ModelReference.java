package io.rnn4j.reference;

import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Loss;
import io.rnn4j.train.Reduction;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The loss of a model in float64, written per sequence and step straight from the equations, for
 * every feature the trainer has: any cell, stacked and bidirectional layers (PyTorch semantics: the
 * reverse direction of sequence b runs from its own last step down), dropout with given masks, every
 * head (sequence classification included), lengths, loss masks, initial states and dense inputs.
 * Its gradients are central differences of this loss: the float64 reference the trainer's analytic
 * gradients are checked against. Parameters, initial states and inputs are mutable fields, so that
 * differences can be taken with respect to any of them.
 */
public final class ModelReference {
    /** A dropout factor (0, or 1/(1 − p), or 1) for one value. */
    @FunctionalInterface
    public interface Masks {
        /**
         * The factor of value {@code j} of sequence {@code b} at step {@code t} (0-based) of the output
         * part {@code part} (direction) of layer {@code layer}; layer −1 is the input of layer 0.
         */
        double factor(int layer, int part, int t, int b, int j);

        /** No dropout. */
        Masks NONE = (l, p, t, b, j) -> 1;
    }

    private final RnnConfig config;
    private final Loss loss;
    private final Reduction reduction;
    /** Parameters by name (mutable, for differences). */
    public final Map<String, double[]> params = new LinkedHashMap<>();
    /** Initial hidden states {@code [slot = layer·D + direction][b][j]}, zeros when null. */
    public double[][][] h0;
    /** Initial LSTM cell states, like {@link #h0}. */
    public double[][][] c0;
    /** Dense inputs, time-major {@code T·B·D} (mutable copy of the batch's), or null for tokens. */
    public double[] x;
    private final Masks masks;
    private final int h;
    private final int g;
    private final int dirs;

    public ModelReference(RnnConfig config, Loss loss, Reduction reduction, Map<String, float[]> values, Masks masks) {
        this.config = config;
        this.loss = loss;
        this.reduction = reduction;
        this.masks = masks;
        this.h = config.hiddenSize();
        this.g = config.cell().gates();
        this.dirs = config.directions();
        for (ParameterLayout.Entry e : ParameterLayout.of(config).entries()) {
            float[] v = values.get(e.name());
            double[] dv = new double[(int) e.size()];
            for (int i = 0; i < dv.length; i++) {
                dv[i] = v[i];
            }
            params.put(e.name(), dv);
        }
    }

    private static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private double f(double s, double slope) {
        return switch (config.activation()) {
            case TANH -> Math.tanh(s);
            case LOGISTIC -> sig(s);
            case RELU -> s > 0 ? s : 0;
            case PRELU -> s > 0 ? s : slope * s;
            case IDENTITY -> s;
        };
    }

    /** One step of the cell: new h (and c into {@code cOut}) from input projection a and previous states. */
    private double[] cellStep(double[] a, double[] hPrev, double[] cPrev, double[] cOut, double[] u, double[] bh,
                              double[] slope) {
        double[] r = new double[g * h];
        for (int k = 0; k < g * h; k++) {
            double acc = bh == null ? 0 : bh[k];
            for (int j = 0; j < h; j++) {
                acc += u[k * h + j] * hPrev[j];
            }
            r[k] = acc;
        }
        double[] out = new double[h];
        for (int j = 0; j < h; j++) {
            switch (config.cell()) {
                case ELMAN -> out[j] = f(a[j] + r[j], slope == null ? 0 : slope[j]);
                case LSTM -> {
                    double i = sig(a[j] + r[j]);
                    double ff = sig(a[h + j] + r[h + j]);
                    double cand = Math.tanh(a[2 * h + j] + r[2 * h + j]);
                    double o = sig(a[3 * h + j] + r[3 * h + j]);
                    cOut[j] = ff * cPrev[j] + i * cand;
                    out[j] = o * Math.tanh(cOut[j]);
                }
                case GRU -> {
                    double rg = sig(a[j] + r[j]);
                    double z = sig(a[h + j] + r[h + j]);
                    double n = Math.tanh(a[2 * h + j] + rg * r[2 * h + j]);
                    out[j] = (1 - z) * n + z * hPrev[j];
                }
                default -> throw new IllegalStateException();
            }
        }
        return out;
    }

    private String name(String base, int layer, int dir) {
        return ParameterLayout.name(base, layer, dir);
    }

    /**
     * The forward pass's outputs: logits {@code [t][b][o]} at every step (padded ones too) and the
     * final states {@code [slot][b][j]} (the reverse direction's: after its first step).
     */
    public record Outputs(double[][][] logits, double[][][] hn, double[][][] cn) {
    }

    /** The loss under the current parameters, states and inputs. */
    public double loss(Batch batch) {
        return head(batch, top(batch, null, null));
    }

    /** The logits and final states under the current parameters, states and inputs. */
    public Outputs outputs(Batch batch) {
        int slots = config.layers() * dirs;
        double[][][] hn = new double[slots][batch.batchSize()][];
        double[][][] cn = config.cell() == CellType.LSTM ? new double[slots][batch.batchSize()][] : null;
        double[][][] top = top(batch, hn, cn);
        double[] v = params.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] c = params.get(ParameterLayout.OUTPUT_BIAS);
        int o = config.outputSize();
        double[][][] z = new double[batch.steps()][batch.batchSize()][o];
        for (int t = 0; t < batch.steps(); t++) {
            for (int b = 0; b < batch.batchSize(); b++) {
                double[] hv = top[t][b];
                for (int k = 0; k < o; k++) {
                    double acc = c == null ? 0 : c[k];
                    for (int i = 0; i < hv.length; i++) {
                        acc += v[k * hv.length + i] * hv[i];
                    }
                    z[t][b][k] = acc;
                }
            }
        }
        return new Outputs(z, hn, cn);
    }

    /** The top layer's outputs {@code [t][b][dirs·H]}; the final states into {@code hn}, {@code cn} if given. */
    private double[][][] top(Batch batch, double[][][] hn, double[][][] cn) {
        int bs = batch.batchSize();
        int steps = batch.steps();
        int d = config.inputSize();
        // Layer inputs per [t][b]: the (dropped) outputs of the layer below, or the (dropped) input.
        double[][][] in = new double[steps][bs][];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < bs; b++) {
                double[] xv = new double[d];
                int pos = t * bs + b;
                if (config.inputKind() == InputKind.TOKENS) {
                    xv[batch.valid(t, b) ? batch.inputIds()[pos] : 0] = 1;
                } else {
                    for (int q = 0; q < d; q++) {
                        xv[q] = x[pos * d + q] * masks.factor(-1, 0, t, b, q);
                    }
                }
                in[t][b] = xv;
            }
        }
        for (int l = 0; l < config.layers(); l++) {
            double[][][] out = new double[steps][bs][dirs * h];
            for (int dir = 0; dir < dirs; dir++) {
                double[] u = params.get(name(ParameterLayout.RECURRENT_WEIGHTS, l, dir));
                double[] wt = params.get(name(ParameterLayout.INPUT_WEIGHTS, l, dir));
                double[] bi = params.get(name(ParameterLayout.HIDDEN_BIAS, l, dir));
                double[] bh = params.get(name(ParameterLayout.RECURRENT_BIAS, l, dir));
                double[] slope = params.get(name(ParameterLayout.PRELU_SLOPE, l, dir));
                int slot = l * dirs + dir;
                for (int b = 0; b < bs; b++) {
                    int len = batch.lengths() == null ? steps : batch.lengths()[b];
                    double[] hs = h0 == null ? new double[h] : h0[slot][b].clone();
                    double[] cs = c0 == null ? new double[h] : c0[slot][b].clone();
                    // Forward: every step (padded ones too, as the trainer; they never reach a loss).
                    // Reverse: the sequence's own steps, last first; padded outputs stay 0.
                    int count = dir == 0 ? steps : len;
                    for (int k = 0; k < count; k++) {
                        int t = dir == 0 ? k : len - 1 - k;
                        double[] xv = in[t][b];
                        double[] a = new double[g * h];
                        for (int kk = 0; kk < g * h; kk++) {
                            double acc = bi == null ? 0 : bi[kk];
                            for (int q = 0; q < xv.length; q++) {
                                acc += wt[q * g * h + kk] * xv[q];
                            }
                            a[kk] = acc;
                        }
                        double[] cNext = new double[h];
                        hs = cellStep(a, hs, cs, cNext, u, bh, slope);
                        cs = cNext;
                        for (int j = 0; j < h; j++) {
                            out[t][b][dir * h + j] = hs[j];
                        }
                    }
                    if (hn != null) {
                        hn[slot][b] = hs;
                    }
                    if (cn != null) {
                        cn[slot][b] = cs;
                    }
                }
            }
            // Dropout on this layer's outputs (feeding the next layer or the head).
            for (int t = 0; t < steps; t++) {
                for (int b = 0; b < bs; b++) {
                    for (int dir = 0; dir < dirs; dir++) {
                        for (int j = 0; j < h; j++) {
                            out[t][b][dir * h + j] *= masks.factor(l, dir, t, b, j);
                        }
                    }
                }
            }
            in = out;
        }
        return in;
    }

    private double head(Batch batch, double[][][] top) {
        int bs = batch.batchSize();
        int steps = batch.steps();
        double[] v = params.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] c = params.get(ParameterLayout.OUTPUT_BIAS);
        int o = config.outputSize();
        double total = 0;
        double wsum = 0;
        for (int b = 0; b < bs; b++) {
            int len = batch.lengths() == null ? steps : batch.lengths()[b];
            for (int t = 0; t < steps; t++) {
                boolean last = t == len - 1;
                if (loss.lastStepOnly() ? !last : t >= len) {
                    continue;
                }
                int pos = t * bs + b;
                double w = batch.lossMask() == null ? 1 : batch.lossMask()[pos];
                double[] hv = top[t][b];
                double[] z = new double[o];
                for (int k = 0; k < o; k++) {
                    double acc = c == null ? 0 : c[k];
                    for (int i = 0; i < hv.length; i++) {
                        acc += v[k * hv.length + i] * hv[i];
                    }
                    z[k] = acc;
                }
                if (loss.tokenTargets()) {
                    int y = loss.lastStepOnly() ? batch.targetIds()[b] : batch.targetIds()[pos];
                    double max = Double.NEGATIVE_INFINITY;
                    for (double zk : z) {
                        max = Math.max(max, zk);
                    }
                    double sum = 0;
                    for (double zk : z) {
                        sum += Math.exp(zk - max);
                    }
                    if (w != 0) {
                        total += w * (max + Math.log(sum) - z[y]);
                    }
                    wsum += w;
                } else {
                    int base = loss.lastStepOnly() ? b * o : pos * o;
                    for (int k = 0; k < o; k++) {
                        double diff = z[k] - batch.targets()[base + k];
                        total += w * diff * diff;
                    }
                    wsum += w * o;
                }
            }
        }
        if (reduction == Reduction.SUM) {
            return total;
        }
        return wsum > 0 ? total / wsum : 0;
    }

    /** Central differences of the loss with respect to every entry of every parameter. */
    public Map<String, double[]> gradients(Batch batch, double eps) {
        return ReferenceHead.finiteDifferences(params, () -> loss(batch), eps);
    }

    /** Central differences with respect to the initial hidden (k = 0) or cell (k = 1) states, {@code [slot][b][j]} flattened. */
    public double[] initialStateGradient(Batch batch, int k, double eps) {
        double[][][] s = k == 0 ? h0 : c0;
        int slots = config.layers() * dirs;
        int bs = batch.batchSize();
        double[] out = new double[slots * bs * h];
        for (int sl = 0; sl < slots; sl++) {
            for (int b = 0; b < bs; b++) {
                for (int j = 0; j < h; j++) {
                    double old = s[sl][b][j];
                    s[sl][b][j] = old + eps;
                    double up = loss(batch);
                    s[sl][b][j] = old - eps;
                    double down = loss(batch);
                    s[sl][b][j] = old;
                    out[(sl * bs + b) * h + j] = (up - down) / (2 * eps);
                }
            }
        }
        return out;
    }

    /** Central differences with respect to the dense inputs, time-major {@code T·B·D}. */
    public double[] inputGradient(Batch batch, double eps) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double old = x[i];
            x[i] = old + eps;
            double up = loss(batch);
            x[i] = old - eps;
            double down = loss(batch);
            x[i] = old;
            out[i] = (up - down) / (2 * eps);
        }
        return out;
    }

    /** Zero initial states of the right shape, for the cell's states. */
    public void zeroStates(int batchSize) {
        int slots = config.layers() * dirs;
        h0 = new double[slots][batchSize][h];
        c0 = config.cell() == CellType.LSTM ? new double[slots][batchSize][h] : null;
    }
}

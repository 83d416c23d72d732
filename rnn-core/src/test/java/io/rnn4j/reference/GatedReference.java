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
 * A float64 LSTM / GRU written from the cell equations one sequence and one step at a time, with
 * the same parameter names and layouts as production (gate blocks i, f, g, o and r, z, n), and its
 * gradients by an independent backward sweep; checked against finite differences.
 */
public final class GatedReference {
    public final RnnConfig config;
    public final Loss loss;
    public final Reduction reduction;
    public final Map<String, double[]> params = new LinkedHashMap<>();
    private final int h;
    private final int d;
    private final int o;
    private final CellType cell;

    public GatedReference(RnnConfig config, Loss loss, Reduction reduction, Map<String, float[]> values) {
        this.config = config;
        this.loss = loss;
        this.reduction = reduction;
        this.h = config.hiddenSize();
        this.d = config.inputSize();
        this.o = config.outputSize();
        this.cell = config.cell();
        for (ParameterLayout.Entry e : ParameterLayout.of(config).entries()) {
            float[] v = values.get(e.name());
            double[] dv = new double[(int) e.size()];
            for (int i = 0; i < dv.length; i++) {
                dv[i] = v[i];
            }
            params.put(e.name(), dv);
        }
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** Per (t, b) caches of a forward pass; index t = 1..T, t = 0 the initial state. */
    public final class Forward {
        public double[][][] hs;
        public double[][][] cs;
        double[][][] gates;   // activated: LSTM i,f,g,o; GRU r,z,n
        double[][][] hg;      // GRU: U h + b_h
        double[][][] dz;
        public double loss;
    }

    private boolean hasLoss(Batch batch, int t, int b) {
        if (loss == Loss.MSE_LAST_STEP) {
            int last = batch.lengths() == null ? batch.steps() - 1 : batch.lengths()[b] - 1;
            return t == last;
        }
        return batch.valid(t, b);
    }

    public Forward forward(Batch batch, double[][] h0, double[][] c0) {
        int bs = batch.batchSize();
        int steps = batch.steps();
        int g = cell.gates();
        double[] u = params.get(ParameterLayout.RECURRENT_WEIGHTS);
        double[] wt = params.get(ParameterLayout.INPUT_WEIGHTS);
        double[] bi = params.get(ParameterLayout.HIDDEN_BIAS);
        double[] bh = params.get(ParameterLayout.RECURRENT_BIAS);
        double[] v = params.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] c = params.get(ParameterLayout.OUTPUT_BIAS);
        Forward fw = new Forward();
        fw.hs = new double[steps + 1][bs][h];
        fw.cs = new double[steps + 1][bs][h];
        fw.gates = new double[steps + 1][bs][g * h];
        fw.hg = new double[steps + 1][bs][g * h];
        fw.dz = new double[steps + 1][bs][];
        for (int b = 0; b < bs; b++) {
            if (h0 != null) {
                fw.hs[0][b] = h0[b].clone();
            }
            if (c0 != null) {
                fw.cs[0][b] = c0[b].clone();
            }
        }
        double total = 0;
        double wsum = 0;
        for (int b = 0; b < bs; b++) {
            for (int t = 1; t <= steps; t++) {
                int pos = (t - 1) * bs + b;
                double[] a = new double[g * h];
                double[] hterm = new double[g * h];
                for (int k = 0; k < g * h; k++) {
                    double s = bi == null ? 0 : bi[k];
                    if (config.inputKind() == InputKind.TOKENS) {
                        int id = batch.valid(t - 1, b) ? batch.inputIds()[pos] : 0;
                        s += wt[id * g * h + k];
                    } else {
                        for (int q = 0; q < d; q++) {
                            s += wt[q * g * h + k] * batch.inputs()[pos * d + q];
                        }
                    }
                    a[k] = s;
                    double r = bh == null ? 0 : bh[k];
                    for (int j = 0; j < h; j++) {
                        r += u[k * h + j] * fw.hs[t - 1][b][j];
                    }
                    hterm[k] = r;
                }
                double[] gt = fw.gates[t][b];
                if (cell == CellType.LSTM) {
                    for (int j = 0; j < h; j++) {
                        double i = sig(a[j] + hterm[j]);
                        double f = sig(a[h + j] + hterm[h + j]);
                        double cand = Math.tanh(a[2 * h + j] + hterm[2 * h + j]);
                        double oo = sig(a[3 * h + j] + hterm[3 * h + j]);
                        gt[j] = i;
                        gt[h + j] = f;
                        gt[2 * h + j] = cand;
                        gt[3 * h + j] = oo;
                        fw.cs[t][b][j] = f * fw.cs[t - 1][b][j] + i * cand;
                        fw.hs[t][b][j] = oo * Math.tanh(fw.cs[t][b][j]);
                    }
                } else {
                    fw.hg[t][b] = hterm;
                    for (int j = 0; j < h; j++) {
                        double r = sig(a[j] + hterm[j]);
                        double z = sig(a[h + j] + hterm[h + j]);
                        double n = Math.tanh(a[2 * h + j] + r * hterm[2 * h + j]);
                        gt[j] = r;
                        gt[h + j] = z;
                        gt[2 * h + j] = n;
                        fw.hs[t][b][j] = (1 - z) * n + z * fw.hs[t - 1][b][j];
                    }
                }
                if (!hasLoss(batch, t - 1, b)) {
                    continue;
                }
                ReferenceHead.Term term = ReferenceHead.term(loss, batch, pos, b, fw.hs[t][b], v, c, o);
                total += term.loss();
                wsum += term.weight();
                double[] dz = term.dz();
                fw.dz[t][b] = dz;
            }
        }
        fw.loss = total * ReferenceHead.reduce(reduction, wsum, fw.dz);
        return fw;
    }

    public double loss(Batch batch, double[][] h0, double[][] c0) {
        return forward(batch, h0, c0).loss;
    }

    /** Gradients by the backward sweep through the cell equations. */
    public Map<String, double[]> gradients(Batch batch, double[][] h0, double[][] c0) {
        Forward fw = forward(batch, h0, c0);
        int g = cell.gates();
        Map<String, double[]> gr = new LinkedHashMap<>();
        params.forEach((k, vv) -> gr.put(k, new double[vv.length]));
        double[] u = params.get(ParameterLayout.RECURRENT_WEIGHTS);
        double[] v = params.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] du = gr.get(ParameterLayout.RECURRENT_WEIGHTS);
        double[] dw = gr.get(ParameterLayout.INPUT_WEIGHTS);
        double[] dbi = gr.get(ParameterLayout.HIDDEN_BIAS);
        double[] dbh = gr.get(ParameterLayout.RECURRENT_BIAS);
        double[] dv = gr.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] dc = gr.get(ParameterLayout.OUTPUT_BIAS);
        int bs = batch.batchSize();
        for (int b = 0; b < bs; b++) {
            double[] carryH = new double[h];
            double[] carryC = new double[h];
            for (int t = batch.steps(); t >= 1; t--) {
                int pos = (t - 1) * bs + b;
                double[] dh = carryH.clone();
                double[] dzv = fw.dz[t][b];
                if (dzv != null) {
                    for (int k = 0; k < o; k++) {
                        for (int j = 0; j < h; j++) {
                            dv[k * h + j] += dzv[k] * fw.hs[t][b][j];
                            dh[j] += v[k * h + j] * dzv[k];
                        }
                        if (dc != null) {
                            dc[k] += dzv[k];
                        }
                    }
                }
                double[] gt = fw.gates[t][b];
                double[] dx = new double[g * h];   // ∂E/∂(W x + b_i)
                double[] dhg = new double[g * h];  // ∂E/∂(U h + b_h)
                double[] nextH = new double[h];
                if (cell == CellType.LSTM) {
                    for (int j = 0; j < h; j++) {
                        double i = gt[j];
                        double f = gt[h + j];
                        double cand = gt[2 * h + j];
                        double oo = gt[3 * h + j];
                        double tc = Math.tanh(fw.cs[t][b][j]);
                        double dcc = carryC[j] + dh[j] * oo * (1 - tc * tc);
                        dx[j] = dcc * cand * i * (1 - i);
                        dx[h + j] = dcc * fw.cs[t - 1][b][j] * f * (1 - f);
                        dx[2 * h + j] = dcc * i * (1 - cand * cand);
                        dx[3 * h + j] = dh[j] * tc * oo * (1 - oo);
                        carryC[j] = dcc * f;
                    }
                    System.arraycopy(dx, 0, dhg, 0, g * h);
                } else {
                    for (int j = 0; j < h; j++) {
                        double r = gt[j];
                        double z = gt[h + j];
                        double n = gt[2 * h + j];
                        double hp = fw.hs[t - 1][b][j];
                        double dnp = dh[j] * (1 - z) * (1 - n * n);
                        double dzp = dh[j] * (hp - n) * z * (1 - z);
                        double drp = dnp * fw.hg[t][b][2 * h + j] * r * (1 - r);
                        dx[j] = drp;
                        dx[h + j] = dzp;
                        dx[2 * h + j] = dnp;
                        dhg[j] = drp;
                        dhg[h + j] = dzp;
                        dhg[2 * h + j] = dnp * r;
                        nextH[j] = dh[j] * z;
                    }
                }
                for (int k = 0; k < g * h; k++) {
                    for (int j = 0; j < h; j++) {
                        du[k * h + j] += dhg[k] * fw.hs[t - 1][b][j];
                        nextH[j] += u[k * h + j] * dhg[k];
                    }
                    if (dbi != null) {
                        dbi[k] += dx[k];
                    }
                    if (dbh != null) {
                        dbh[k] += dhg[k];
                    }
                    if (config.inputKind() == InputKind.TOKENS) {
                        int id = batch.valid(t - 1, b) ? batch.inputIds()[pos] : 0;
                        dw[id * g * h + k] += dx[k];
                    } else {
                        for (int q = 0; q < d; q++) {
                            dw[q * g * h + k] += dx[k] * batch.inputs()[pos * d + q];
                        }
                    }
                }
                carryH = nextH;
            }
        }
        return gr;
    }

    public Map<String, double[]> finiteDifferences(Batch batch, double[][] h0, double[][] c0, double eps) {
        return ReferenceHead.finiteDifferences(params, () -> loss(batch, h0, c0), eps);
    }

    /** Final (h, c) of each sequence at its last valid step. */
    public double[][][] finalState(Batch batch, double[][] h0, double[][] c0) {
        Forward fw = forward(batch, h0, c0);
        double[][][] out = new double[2][batch.batchSize()][];
        for (int b = 0; b < batch.batchSize(); b++) {
            int last = batch.lengths() == null ? batch.steps() : batch.lengths()[b];
            out[0][b] = fw.hs[last][b].clone();
            out[1][b] = fw.cs[last][b].clone();
        }
        return out;
    }
}

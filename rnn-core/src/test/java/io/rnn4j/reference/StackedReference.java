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
 * A float64 reference for stacked layers of any cell (Elman with tanh/logistic/ReLU/identity, LSTM,
 * GRU): layer l &gt; 0 reads the hidden states of layer l − 1, the head reads the top layer. Written
 * per sequence and step from the cell equations, with its own backward sweep that hands each
 * layer's input gradient {@code W_l · ∂E/∂(input projection)} down to the layer below; checked
 * against finite differences.
 */
public final class StackedReference {
    private final RnnConfig config;
    private final Loss loss;
    private final Reduction reduction;
    public final Map<String, double[]> params = new LinkedHashMap<>();
    private final int h;
    private final int g;
    private final int layers;

    public StackedReference(RnnConfig config, Loss loss, Reduction reduction, Map<String, float[]> values) {
        this.config = config;
        this.loss = loss;
        this.reduction = reduction;
        this.h = config.hiddenSize();
        this.g = config.cell().gates();
        this.layers = config.layers();
        for (ParameterLayout.Entry e : ParameterLayout.of(config).entries()) {
            float[] v = values.get(e.name());
            double[] dv = new double[(int) e.size()];
            for (int i = 0; i < dv.length; i++) {
                dv[i] = v[i];
            }
            params.put(e.name(), dv);
        }
    }

    private double[] p(String base, int l) {
        return params.get(ParameterLayout.name(base, l));
    }

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private double f(double s) {
        return switch (config.activation()) {
            case TANH -> Math.tanh(s);
            case LOGISTIC -> sig(s);
            case RELU -> s > 0 ? s : 0;
            case IDENTITY -> s;
            case PRELU -> throw new IllegalArgumentException("PReLU is not covered by the stacked reference");
        };
    }

    private double fPrime(double s) {
        return switch (config.activation()) {
            case TANH -> 1 - Math.tanh(s) * Math.tanh(s);
            case LOGISTIC -> sig(s) * (1 - sig(s));
            case RELU -> s > 0 ? 1 : 0;
            case IDENTITY -> 1;
            case PRELU -> throw new IllegalArgumentException("PReLU is not covered by the stacked reference");
        };
    }

    /** Forward caches: [layer][t][b][...], t = 0 the initial state. */
    public final class Forward {
        public double[][][][] hs;
        double[][][][] cs;
        double[][][][] pre;   // Elman: s; LSTM: activated gates; GRU: activated gates
        double[][][][] hg;    // GRU: U h + b_h
        double[][][] dz;
        double loss;
    }

    private double[] layerInput(Forward fw, Batch batch, int l, int t, int b) {
        if (l > 0) {
            return fw.hs[l - 1][t][b];
        }
        int pos = (t - 1) * batch.batchSize() + b;
        int d = config.inputSize();
        double[] x = new double[d];
        if (config.inputKind() == InputKind.TOKENS) {
            x[batch.valid(t - 1, b) ? batch.inputIds()[pos] : 0] = 1;
        } else {
            for (int q = 0; q < d; q++) {
                x[q] = batch.inputs()[pos * d + q];
            }
        }
        return x;
    }

    public Forward forward(Batch batch, double[][][] h0, double[][][] c0) {
        int bs = batch.batchSize();
        int steps = batch.steps();
        Forward fw = new Forward();
        fw.hs = new double[layers][steps + 1][bs][h];
        fw.cs = new double[layers][steps + 1][bs][h];
        fw.pre = new double[layers][steps + 1][bs][g * h];
        fw.hg = new double[layers][steps + 1][bs][g * h];
        fw.dz = new double[steps + 1][bs][];
        for (int l = 0; l < layers; l++) {
            double[] u = p(ParameterLayout.RECURRENT_WEIGHTS, l);
            double[] wt = p(ParameterLayout.INPUT_WEIGHTS, l);
            double[] bi = p(ParameterLayout.HIDDEN_BIAS, l);
            double[] bh = p(ParameterLayout.RECURRENT_BIAS, l);
            for (int b = 0; b < bs; b++) {
                if (h0 != null) {
                    fw.hs[l][0][b] = h0[l][b].clone();
                }
                if (c0 != null) {
                    fw.cs[l][0][b] = c0[l][b].clone();
                }
                for (int t = 1; t <= steps; t++) {
                    double[] x = layerInput(fw, batch, l, t, b);
                    double[] a = new double[g * h];
                    double[] r = new double[g * h];
                    for (int k = 0; k < g * h; k++) {
                        double s = bi == null ? 0 : bi[k];
                        for (int q = 0; q < x.length; q++) {
                            s += wt[q * g * h + k] * x[q];
                        }
                        a[k] = s;
                        double rr = bh == null ? 0 : bh[k];
                        for (int j = 0; j < h; j++) {
                            rr += u[k * h + j] * fw.hs[l][t - 1][b][j];
                        }
                        r[k] = rr;
                    }
                    double[] pr = fw.pre[l][t][b];
                    for (int j = 0; j < h; j++) {
                        switch (config.cell()) {
                            case ELMAN -> {
                                pr[j] = a[j] + r[j];
                                fw.hs[l][t][b][j] = f(pr[j]);
                            }
                            case LSTM -> {
                                double i = sig(a[j] + r[j]);
                                double ff = sig(a[h + j] + r[h + j]);
                                double cand = Math.tanh(a[2 * h + j] + r[2 * h + j]);
                                double o = sig(a[3 * h + j] + r[3 * h + j]);
                                pr[j] = i;
                                pr[h + j] = ff;
                                pr[2 * h + j] = cand;
                                pr[3 * h + j] = o;
                                fw.cs[l][t][b][j] = ff * fw.cs[l][t - 1][b][j] + i * cand;
                                fw.hs[l][t][b][j] = o * Math.tanh(fw.cs[l][t][b][j]);
                            }
                            case GRU -> {
                                double rg = sig(a[j] + r[j]);
                                double z = sig(a[h + j] + r[h + j]);
                                double n = Math.tanh(a[2 * h + j] + rg * r[2 * h + j]);
                                pr[j] = rg;
                                pr[h + j] = z;
                                pr[2 * h + j] = n;
                                fw.hs[l][t][b][j] = (1 - z) * n + z * fw.hs[l][t - 1][b][j];
                            }
                            default -> throw new IllegalStateException();
                        }
                    }
                    fw.hg[l][t][b] = r;
                }
            }
        }
        double[] v = params.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] c = params.get(ParameterLayout.OUTPUT_BIAS);
        double total = 0;
        double wsum = 0;
        for (int b = 0; b < bs; b++) {
            for (int t = 1; t <= steps; t++) {
                boolean has = loss == Loss.MSE_LAST_STEP
                        ? t - 1 == (batch.lengths() == null ? steps - 1 : batch.lengths()[b] - 1) : batch.valid(t - 1, b);
                if (!has) {
                    continue;
                }
                int pos = (t - 1) * bs + b;
                ReferenceHead.Term term = ReferenceHead.term(loss, batch, pos, b, fw.hs[layers - 1][t][b], v, c,
                        config.outputSize());
                total += term.loss();
                wsum += term.weight();
                fw.dz[t][b] = term.dz();
            }
        }
        fw.loss = total * ReferenceHead.reduce(reduction, wsum, fw.dz);
        return fw;
    }

    public double loss(Batch batch, double[][][] h0, double[][][] c0) {
        return forward(batch, h0, c0).loss;
    }

    public Map<String, double[]> gradients(Batch batch, double[][][] h0, double[][][] c0) {
        Forward fw = forward(batch, h0, c0);
        Map<String, double[]> gr = new LinkedHashMap<>();
        params.forEach((k, vv) -> gr.put(k, new double[vv.length]));
        int bs = batch.batchSize();
        int steps = batch.steps();
        double[] v = params.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] dv = gr.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] dcOut = gr.get(ParameterLayout.OUTPUT_BIAS);
        int o = config.outputSize();
        // ∂E/∂h of the current layer from outside its recurrence, [t][b][j].
        double[][][] fromAbove = new double[steps + 1][bs][h];
        for (int b = 0; b < bs; b++) {
            for (int t = 1; t <= steps; t++) {
                double[] dz = fw.dz[t][b];
                if (dz == null) {
                    continue;
                }
                for (int k = 0; k < o; k++) {
                    for (int j = 0; j < h; j++) {
                        dv[k * h + j] += dz[k] * fw.hs[layers - 1][t][b][j];
                        fromAbove[t][b][j] += v[k * h + j] * dz[k];
                    }
                    if (dcOut != null) {
                        dcOut[k] += dz[k];
                    }
                }
            }
        }
        for (int l = layers - 1; l >= 0; l--) {
            double[] u = p(ParameterLayout.RECURRENT_WEIGHTS, l);
            double[] wt = p(ParameterLayout.INPUT_WEIGHTS, l);
            double[] du = gr.get(ParameterLayout.name(ParameterLayout.RECURRENT_WEIGHTS, l));
            double[] dw = gr.get(ParameterLayout.name(ParameterLayout.INPUT_WEIGHTS, l));
            double[] dbi = gr.get(ParameterLayout.name(ParameterLayout.HIDDEN_BIAS, l));
            double[] dbh = gr.get(ParameterLayout.name(ParameterLayout.RECURRENT_BIAS, l));
            double[][][] below = new double[steps + 1][bs][h];
            for (int b = 0; b < bs; b++) {
                double[] carryH = new double[h];
                double[] carryC = new double[h];
                for (int t = steps; t >= 1; t--) {
                    double[] dh = new double[h];
                    for (int j = 0; j < h; j++) {
                        dh[j] = fromAbove[t][b][j] + carryH[j];
                    }
                    double[] pr = fw.pre[l][t][b];
                    double[] dx = new double[g * h];
                    double[] dhg = new double[g * h];
                    double[] next = new double[h];
                    for (int j = 0; j < h; j++) {
                        switch (config.cell()) {
                            case ELMAN -> dx[j] = fPrime(pr[j]) * dh[j];
                            case LSTM -> {
                                double i = pr[j];
                                double ff = pr[h + j];
                                double cand = pr[2 * h + j];
                                double oo = pr[3 * h + j];
                                double tc = Math.tanh(fw.cs[l][t][b][j]);
                                double dcc = carryC[j] + dh[j] * oo * (1 - tc * tc);
                                dx[j] = dcc * cand * i * (1 - i);
                                dx[h + j] = dcc * fw.cs[l][t - 1][b][j] * ff * (1 - ff);
                                dx[2 * h + j] = dcc * i * (1 - cand * cand);
                                dx[3 * h + j] = dh[j] * tc * oo * (1 - oo);
                                carryC[j] = dcc * ff;
                            }
                            case GRU -> {
                                double rg = pr[j];
                                double z = pr[h + j];
                                double n = pr[2 * h + j];
                                double dnp = dh[j] * (1 - z) * (1 - n * n);
                                double dzp = dh[j] * (fw.hs[l][t - 1][b][j] - n) * z * (1 - z);
                                double drp = dnp * fw.hg[l][t][b][2 * h + j] * rg * (1 - rg);
                                dx[j] = drp;
                                dx[h + j] = dzp;
                                dx[2 * h + j] = dnp;
                                dhg[j] = drp;
                                dhg[h + j] = dzp;
                                dhg[2 * h + j] = dnp * rg;
                                next[j] = dh[j] * z;
                            }
                            default -> throw new IllegalStateException();
                        }
                    }
                    if (config.cell() != CellType.GRU) {
                        System.arraycopy(dx, 0, dhg, 0, g * h);
                    }
                    double[] x = layerInput(fw, batch, l, t, b);
                    for (int k = 0; k < g * h; k++) {
                        for (int j = 0; j < h; j++) {
                            du[k * h + j] += dhg[k] * fw.hs[l][t - 1][b][j];
                            next[j] += u[k * h + j] * dhg[k];
                        }
                        if (dbi != null) {
                            dbi[k] += dx[k];
                        }
                        if (dbh != null) {
                            dbh[k] += dhg[k];
                        }
                        for (int q = 0; q < x.length; q++) {
                            dw[q * g * h + k] += x[q] * dx[k];
                            if (l > 0) {
                                below[t][b][q] += wt[q * g * h + k] * dx[k];
                            }
                        }
                    }
                    carryH = next;
                }
            }
            fromAbove = below;
        }
        return gr;
    }

    public Map<String, double[]> finiteDifferences(Batch batch, double[][][] h0, double[][][] c0, double eps) {
        return ReferenceHead.finiteDifferences(params, () -> loss(batch, h0, c0), eps);
    }

}

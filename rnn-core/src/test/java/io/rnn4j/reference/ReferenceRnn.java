package io.rnn4j.reference;

import io.rnn4j.data.Batch;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Loss;
import io.rnn4j.train.Reduction;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A float64 Elman RNN written straight from the equations of the derivation, one sequence and one
 * time step at a time, with no shared code with the production path:
 * <pre>
 *   s_t = U h_{t−1} + W x_t + b,  h_t = f(s_t),  z_t = V h_t + c
 *   E = Σ_t w_t E_t  (cross-entropy −log softmax(z_t)[y_t], or Σ_j (z_tj − y_tj)²), optionally / Σ w
 * </pre>
 * Gradients two ways: the literal double sum over δ_{t,k} ({@link #gradientsDoubleSum}) and the
 * single backward sweep ({@link #gradientsSweep}). Parameters use the production names and
 * layouts (W stored transposed, D×H), so results compare entry by entry.
 */
public final class ReferenceRnn {
    public final RnnConfig config;
    public final Loss loss;
    public final Reduction reduction;
    /** Parameters by production name, row-major, in double. */
    public final Map<String, double[]> params = new LinkedHashMap<>();
    private final ParameterLayout layout;
    private final int h;
    private final int d;
    private final int o;

    public ReferenceRnn(RnnConfig config, Loss loss, Reduction reduction, Map<String, float[]> values) {
        this.config = config;
        this.loss = loss;
        this.reduction = reduction;
        this.layout = ParameterLayout.of(config);
        this.h = config.hiddenSize();
        this.d = config.inputSize();
        this.o = config.outputSize();
        for (ParameterLayout.Entry e : layout.entries()) {
            float[] v = values.get(e.name());
            double[] dv = new double[(int) e.size()];
            for (int i = 0; i < dv.length; i++) {
                dv[i] = v[i];
            }
            params.put(e.name(), dv);
        }
    }

    /** The result of a forward pass over a batch. */
    public static final class Forward {
        /** s[t][b][i], h[t][b][i] for t = 0..T (h[0] = h_0; s[0] unused). */
        public double[][][] s;
        public double[][][] hs;
        /** ∂E/∂z at each (t, b) (null rows where no loss is taken). */
        public double[][][] dz;
        public double loss;
        public double weightSum;
    }

    private double[] p(String name) {
        return params.get(name);
    }

    private double f(double s, int unit) {
        return switch (config.activation()) {
            case TANH -> Math.tanh(s);
            case LOGISTIC -> 1 / (1 + Math.exp(-s));
            case RELU -> s > 0 ? s : 0;
            case PRELU -> s > 0 ? s : p(ParameterLayout.PRELU_SLOPE)[unit] * s;
            case IDENTITY -> s;
        };
    }

    private double fPrime(double s, int unit) {
        return switch (config.activation()) {
            case TANH -> 1 - Math.tanh(s) * Math.tanh(s);
            case LOGISTIC -> {
                double y = 1 / (1 + Math.exp(-s));
                yield y * (1 - y);
            }
            case RELU -> s > 0 ? 1 : 0;
            case PRELU -> s > 0 ? 1 : p(ParameterLayout.PRELU_SLOPE)[unit];
            case IDENTITY -> 1;
        };
    }

    private static int lastStep(Batch batch, int b) {
        return batch.lengths() == null ? batch.steps() - 1 : batch.lengths()[b] - 1;
    }

    /** Whether step t of sequence b carries a loss term. */
    private boolean hasLoss(Batch batch, int t, int b) {
        if (loss == Loss.MSE_LAST_STEP) {
            return t == lastStep(batch, b);
        }
        return batch.valid(t, b);
    }

    /** Forward pass from initial state {@code h0[b][i]} (null = zeros). */
    public Forward forward(Batch batch, double[][] h0) {
        int bs = batch.batchSize();
        int steps = batch.steps();
        double[] u = p(ParameterLayout.RECURRENT_WEIGHTS);
        double[] wt = p(ParameterLayout.INPUT_WEIGHTS);
        double[] bias = params.get(ParameterLayout.HIDDEN_BIAS);
        double[] v = p(ParameterLayout.OUTPUT_WEIGHTS);
        double[] c = params.get(ParameterLayout.OUTPUT_BIAS);
        Forward fw = new Forward();
        fw.s = new double[steps + 1][bs][h];
        fw.hs = new double[steps + 1][bs][h];
        fw.dz = new double[steps + 1][bs][];
        if (h0 != null) {
            for (int b = 0; b < bs; b++) {
                fw.hs[0][b] = h0[b].clone();
            }
        }
        double total = 0;
        double wsum = 0;
        for (int b = 0; b < bs; b++) {
            for (int t = 1; t <= steps; t++) {
                int pos = (t - 1) * bs + b;
                for (int i = 0; i < h; i++) {
                    double s = 0;
                    for (int j = 0; j < h; j++) {
                        s += u[i * h + j] * fw.hs[t - 1][b][j];
                    }
                    if (config.inputKind() == InputKind.TOKENS) {
                        int id = batch.valid(t - 1, b) ? batch.inputIds()[pos] : 0;
                        s += wt[id * h + i];
                    } else {
                        for (int k = 0; k < d; k++) {
                            s += wt[k * h + i] * batch.inputs()[pos * d + k];
                        }
                    }
                    if (bias != null) {
                        s += bias[i];
                    }
                    fw.s[t][b][i] = s;
                    fw.hs[t][b][i] = f(s, i);
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
        fw.weightSum = wsum;
        return fw;
    }

    /** The reduced loss. */
    public double loss(Batch batch, double[][] h0) {
        return forward(batch, h0).loss;
    }

    private Map<String, double[]> zeroGrads() {
        Map<String, double[]> g = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : params.entrySet()) {
            g.put(e.getKey(), new double[e.getValue().length]);
        }
        return g;
    }

    private void accumulateHead(Forward fw, Batch batch, Map<String, double[]> g) {
        double[] dv = g.get(ParameterLayout.OUTPUT_WEIGHTS);
        double[] dc = g.get(ParameterLayout.OUTPUT_BIAS);
        for (int t = 1; t <= batch.steps(); t++) {
            for (int b = 0; b < batch.batchSize(); b++) {
                double[] dz = fw.dz[t][b];
                if (dz == null) {
                    continue;
                }
                for (int k = 0; k < o; k++) {
                    for (int i = 0; i < h; i++) {
                        dv[k * h + i] += dz[k] * fw.hs[t][b][i];
                    }
                    if (dc != null) {
                        dc[k] += dz[k];
                    }
                }
            }
        }
    }

    /** Vᵀ dz. */
    private double[] headBack(double[] dz) {
        double[] v = p(ParameterLayout.OUTPUT_WEIGHTS);
        double[] g = new double[h];
        for (int i = 0; i < h; i++) {
            for (int k = 0; k < o; k++) {
                g[i] += v[k * h + i] * dz[k];
            }
        }
        return g;
    }

    /** Uᵀ δ. */
    private double[] recurrentBack(double[] delta) {
        double[] u = p(ParameterLayout.RECURRENT_WEIGHTS);
        double[] g = new double[h];
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < h; i++) {
                g[j] += u[i * h + j] * delta[i];
            }
        }
        return g;
    }

    /**
     * Given g = ∂E/∂h_k (through one path), forms δ = f'(s_k) ⊙ g and adds δ's contributions to
     * dU, dW, db, and g's to the PReLU slope.
     */
    private double[] contribute(Forward fw, Batch batch, int k, int b, double[] gk, Map<String, double[]> g) {
        double[] delta = new double[h];
        double[] du = g.get(ParameterLayout.RECURRENT_WEIGHTS);
        double[] dw = g.get(ParameterLayout.INPUT_WEIGHTS);
        double[] db = g.get(ParameterLayout.HIDDEN_BIAS);
        double[] da = g.get(ParameterLayout.PRELU_SLOPE);
        int pos = (k - 1) * batch.batchSize() + b;
        for (int i = 0; i < h; i++) {
            double s = fw.s[k][b][i];
            delta[i] = fPrime(s, i) * gk[i];
            if (da != null && !(s > 0)) {
                da[i] += gk[i] * s;
            }
            for (int j = 0; j < h; j++) {
                du[i * h + j] += delta[i] * fw.hs[k - 1][b][j];
            }
            if (config.inputKind() == InputKind.TOKENS) {
                int id = batch.valid(k - 1, b) ? batch.inputIds()[pos] : 0;
                dw[id * h + i] += delta[i];
            } else {
                for (int q = 0; q < d; q++) {
                    dw[q * h + i] += delta[i] * batch.inputs()[pos * d + q];
                }
            }
            if (db != null) {
                db[i] += delta[i];
            }
        }
        return delta;
    }

    /**
     * Gradients by the literal double sum: for every loss time t, δ_{t,t} = f'(s_t) ⊙ Vᵀ e_t and
     * δ_{t,k} = f'(s_k) ⊙ Uᵀ δ_{t,k+1} for k &lt; t; ∂E/∂U = Σ_t Σ_{k≤t} δ_{t,k} h_{k−1}ᵀ, likewise
     * W, b and the PReLU slopes.
     */
    public Map<String, double[]> gradientsDoubleSum(Batch batch, double[][] h0) {
        Forward fw = forward(batch, h0);
        Map<String, double[]> g = zeroGrads();
        accumulateHead(fw, batch, g);
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 1; t <= batch.steps(); t++) {
                if (fw.dz[t][b] == null) {
                    continue;
                }
                double[] gk = headBack(fw.dz[t][b]);
                for (int k = t; k >= 1; k--) {
                    double[] delta = contribute(fw, batch, k, b, gk, g);
                    gk = recurrentBack(delta);
                }
            }
        }
        return g;
    }

    /** Gradients by the backward sweep δ_t = f'(s_t) ⊙ (Vᵀ e_t + Uᵀ δ_{t+1}). */
    public Map<String, double[]> gradientsSweep(Batch batch, double[][] h0) {
        Forward fw = forward(batch, h0);
        Map<String, double[]> g = zeroGrads();
        accumulateHead(fw, batch, g);
        sweep(fw, batch, g, null);
        return g;
    }

    /**
     * Per-step squared norms over the batch: {@code [t][0] = Σ_b ‖∂E/∂h_t‖²} (the full gradient
     * reaching h_t) and {@code [t][1] = Σ_b ‖δ_t‖²}, by the sweep.
     */
    public double[][] stepGradientSquares(Batch batch, double[][] h0) {
        double[][] out = new double[batch.steps()][2];
        sweep(forward(batch, h0), batch, zeroGrads(), out);
        return out;
    }

    /**
     * The backward sweep of every sequence, accumulating the recurrent-side gradients into {@code g};
     * when {@code squares} is not null, also adds each step's ‖∂E/∂h_t‖² and ‖δ_t‖² to it.
     */
    private void sweep(Forward fw, Batch batch, Map<String, double[]> g, double[][] squares) {
        for (int b = 0; b < batch.batchSize(); b++) {
            double[] carried = new double[h];
            for (int t = batch.steps(); t >= 1; t--) {
                double[] gk = carried;
                if (fw.dz[t][b] != null) {
                    double[] head = headBack(fw.dz[t][b]);
                    for (int i = 0; i < h; i++) {
                        gk[i] += head[i];
                    }
                }
                double[] delta = contribute(fw, batch, t, b, gk, g);
                if (squares != null) {
                    for (int i = 0; i < h; i++) {
                        squares[t - 1][0] += gk[i] * gk[i];
                        squares[t - 1][1] += delta[i] * delta[i];
                    }
                }
                carried = recurrentBack(delta);
            }
        }
    }

    /** Central finite differences of the reduced loss for every parameter. */
    public Map<String, double[]> gradientsFiniteDifference(Batch batch, double[][] h0, double eps) {
        return ReferenceHead.finiteDifferences(params, () -> loss(batch, h0), eps);
    }

    /** The final hidden state of each sequence (at its last valid step). */
    public double[][] finalState(Batch batch, double[][] h0) {
        Forward fw = forward(batch, h0);
        double[][] out = new double[batch.batchSize()][];
        for (int b = 0; b < batch.batchSize(); b++) {
            out[b] = fw.hs[lastStep(batch, b) + 1][b].clone();
        }
        return out;
    }

    /** ‖a − b‖ / max(‖a‖, ‖b‖), 0 when both are zero. */
    public static double relativeError(double[] a, double[] b) {
        double diff = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        double den = Math.sqrt(Math.max(na, nb));
        return den == 0 ? 0 : Math.sqrt(diff) / den;
    }

    /** Float array to double. */
    public static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

}

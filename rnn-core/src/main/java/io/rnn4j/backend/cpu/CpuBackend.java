package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import java.nio.FloatBuffer;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU backend: OpenBLAS GEMM on off-heap memory and fused element-wise kernels as Java loops.
 * Synchronous: every kernel has finished when its method returns. Confined to one thread.
 */
public final class CpuBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(CpuBackend.class);

    private final CpuBackendConfig config;
    private final Gemm gemm;

    /** A CPU backend with {@link CpuBackendConfig#defaults()}. */
    public CpuBackend() {
        this(CpuBackendConfig.defaults());
    }

    public CpuBackend(CpuBackendConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        if (config.nativeBlas() && NativeBlas.available()) {
            this.gemm = new OpenBlasGemm(config.resolvedThreads());
        } else {
            if (config.nativeBlas()) {
                LOG.debug("OpenBLAS unavailable: {}", String.valueOf(NativeBlas.loadError()));
            }
            this.gemm = new JavaGemm();
        }
    }

    /** The configuration this backend was created with. */
    public CpuBackendConfig config() {
        return config;
    }

    /** Whether GEMM runs in OpenBLAS (true) or in the Java fallback. */
    public boolean usesNativeBlas() {
        return gemm instanceof OpenBlasGemm;
    }

    @Override
    public String name() {
        return CpuBackendProvider.NAME;
    }

    @Override
    public String description() {
        return "CPU backend, " + gemm.describe();
    }

    // ------------------------------------------------------------------ memory

    @Override
    public Tensor allocate(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        return Tensor.of(new CpuBuffer(this, (long) rows * cols), rows, cols);
    }

    @Override
    public IndexBuffer allocateIndices(int length) {
        return new CpuIndexBuffer(this, length);
    }

    private CpuBuffer buf(Tensor t) {
        if (!(t.buffer() instanceof CpuBuffer b) || b.backend() != this) {
            throw new IllegalArgumentException("tensor " + t + " was not allocated by this CPU backend");
        }
        return b;
    }

    private FloatBuffer data(Tensor t) {
        return buf(t).data();
    }

    private int[] idx(IndexBuffer ids) {
        if (!(ids instanceof CpuIndexBuffer b) || b.backend() != this) {
            throw new IllegalArgumentException("index buffer was not allocated by this CPU backend");
        }
        return b.data();
    }

    @Override
    public void upload(float[] src, int srcOffset, Tensor dst) {
        FloatBuffer d = data(dst);
        checkRange("upload source", src.length, srcOffset, dst.size());
        int rows = dst.rows();
        int cols = dst.cols();
        if (dst.isContiguous()) {
            d.put((int) dst.offset(), src, srcOffset, (int) dst.size());
            return;
        }
        for (int r = 0; r < rows; r++) {
            d.put((int) (dst.offset() + (long) r * dst.rowStride()), src, srcOffset + r * cols, cols);
        }
    }

    @Override
    public void uploadIndices(int[] src, int srcOffset, IndexBuffer dst, int count) {
        int[] d = idx(dst);
        checkRange("index upload source", src.length, srcOffset, count);
        if (count > d.length) {
            throw new IllegalArgumentException("index upload of " + count + " into a buffer of " + d.length);
        }
        System.arraycopy(src, srcOffset, d, 0, count);
    }

    @Override
    public void download(Tensor src, float[] dst, int dstOffset) {
        FloatBuffer s = data(src);
        checkRange("download target", dst.length, dstOffset, src.size());
        if (src.isContiguous()) {
            s.get((int) src.offset(), dst, dstOffset, (int) src.size());
            return;
        }
        for (int r = 0; r < src.rows(); r++) {
            s.get((int) (src.offset() + (long) r * src.rowStride()), dst, dstOffset + r * src.cols(), src.cols());
        }
    }

    private static void checkRange(String what, int length, int offset, long count) {
        if (offset < 0 || count < 0 || offset + count > length) {
            throw new IllegalArgumentException(what + ": need " + count + " elements from offset " + offset
                    + " but the array has " + length);
        }
    }

    @Override
    public void fill(Tensor t, float value) {
        FloatBuffer d = data(t);
        for (int r = 0; r < t.rows(); r++) {
            int base = rowBase(t, r);
            for (int c = 0; c < t.cols(); c++) {
                d.put(base + c, value);
            }
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        sameShape("copy", src, dst);
        noOverlap("copy", dst, src);
        FloatBuffer s = data(src);
        FloatBuffer d = data(dst);
        for (int r = 0; r < src.rows(); r++) {
            int sb = rowBase(src, r);
            int db = rowBase(dst, r);
            d.put(db, s, sb, src.cols());
        }
    }

    private static int rowBase(Tensor t, int r) {
        return (int) (t.offset() + (long) r * t.rowStride());
    }

    private static void sameShape(String op, Tensor a, Tensor b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": shape mismatch " + a + " vs " + b);
        }
    }

    private static void noOverlap(String op, Tensor out, Tensor in) {
        if (in != null && out.overlaps(in)) {
            throw new IllegalArgumentException(op + ": output " + out + " overlaps input " + in);
        }
    }

    private static void scalar(String op, Tensor t) {
        if (t.rows() != 1 || t.cols() != 1) {
            throw new IllegalArgumentException(op + ": expected a 1x1 tensor, got " + t);
        }
    }

    // ------------------------------------------------------------------ BLAS-like

    @Override
    public void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (k != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm: op(A) is " + m + "x" + k + ", op(B) is " + kb + "x" + n
                    + ", C is " + c.rows() + "x" + c.cols() + " (A " + a + (transA ? "ᵀ" : "") + ", B " + b
                    + (transB ? "ᵀ" : "") + ")");
        }
        noOverlap("gemm", c, a);
        noOverlap("gemm", c, b);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (beta == 0f) {
                fill(c, 0f);
            } else {
                scale(c, beta);
            }
            return;
        }
        gemm.sgemm(transA, transB, m, n, k, alpha,
                buf(a), a.offset(), ld(a), buf(b), b.offset(), ld(b), beta, buf(c), c.offset(), ld(c));
    }

    private static int ld(Tensor t) {
        return t.rows() <= 1 ? Math.max(1, Math.max(t.rowStride(), t.cols())) : Math.max(1, t.rowStride());
    }

    @Override
    public void scale(Tensor x, float alpha) {
        FloatBuffer d = data(x);
        for (int r = 0; r < x.rows(); r++) {
            int base = rowBase(x, r);
            for (int c = 0; c < x.cols(); c++) {
                d.put(base + c, alpha * d.get(base + c));
            }
        }
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        sameShape("axpy", x, y);
        noOverlap("axpy", y, x);
        FloatBuffer xd = data(x);
        FloatBuffer yd = data(y);
        for (int r = 0; r < x.rows(); r++) {
            int xb = rowBase(x, r);
            int yb = rowBase(y, r);
            for (int c = 0; c < x.cols(); c++) {
                yd.put(yb + c, yd.get(yb + c) + alpha * xd.get(xb + c));
            }
        }
    }

    @Override
    public void sumSquares(Tensor x, Tensor out, boolean accumulate) {
        scalar("sumSquares", out);
        FloatBuffer d = data(x);
        double sum = 0;
        for (int r = 0; r < x.rows(); r++) {
            int base = rowBase(x, r);
            for (int c = 0; c < x.cols(); c++) {
                double v = d.get(base + c);
                sum += v * v;
            }
        }
        FloatBuffer o = data(out);
        int oi = (int) out.offset();
        o.put(oi, (float) ((accumulate ? o.get(oi) : 0.0) + sum));
    }

    // ------------------------------------------------------------------ embedding

    @Override
    public void gatherRows(Tensor table, IndexBuffer ids, int idOffset, Tensor out, boolean accumulate) {
        if (table.cols() != out.cols()) {
            throw new IllegalArgumentException("gatherRows: table " + table + " and output " + out + " differ in columns");
        }
        noOverlap("gatherRows", out, table);
        int[] id = idx(ids);
        checkRange("gatherRows ids", id.length, idOffset, out.rows());
        FloatBuffer t = data(table);
        FloatBuffer o = data(out);
        int cols = out.cols();
        for (int r = 0; r < out.rows(); r++) {
            int row = id[idOffset + r];
            if (row < 0 || row >= table.rows()) {
                throw new IllegalArgumentException("gatherRows: index " + row + " at position " + (idOffset + r)
                        + " is outside [0, " + table.rows() + ")");
            }
            int tb = rowBase(table, row);
            int ob = rowBase(out, r);
            if (accumulate) {
                for (int c = 0; c < cols; c++) {
                    o.put(ob + c, o.get(ob + c) + t.get(tb + c));
                }
            } else {
                o.put(ob, t, tb, cols);
            }
        }
    }

    @Override
    public void scatterAddRows(Tensor src, IndexBuffer ids, int idOffset, Tensor table) {
        if (table.cols() != src.cols()) {
            throw new IllegalArgumentException("scatterAddRows: source " + src + " and table " + table + " differ in columns");
        }
        noOverlap("scatterAddRows", table, src);
        int[] id = idx(ids);
        checkRange("scatterAddRows ids", id.length, idOffset, src.rows());
        FloatBuffer s = data(src);
        FloatBuffer t = data(table);
        int cols = src.cols();
        for (int r = 0; r < src.rows(); r++) {
            int row = id[idOffset + r];
            if (row < 0 || row >= table.rows()) {
                throw new IllegalArgumentException("scatterAddRows: index " + row + " at position " + (idOffset + r)
                        + " is outside [0, " + table.rows() + ")");
            }
            int tb = rowBase(table, row);
            int sb = rowBase(src, r);
            for (int c = 0; c < cols; c++) {
                t.put(tb + c, t.get(tb + c) + s.get(sb + c));
            }
        }
    }

    // ------------------------------------------------------------------ fused element-wise

    @Override
    public void activationForward(Activation f, Tensor s, Tensor h, Tensor slope) {
        sameShape("activationForward", s, h);
        if (h != s && h.overlaps(s) && (h.offset() != s.offset() || h.rowStride() != s.rowStride())) {
            throw new IllegalArgumentException("activationForward: output " + h + " partially overlaps input " + s);
        }
        FloatBuffer sd = data(s);
        FloatBuffer hd = data(h);
        FloatBuffer ad = null;
        int ao = 0;
        if (f == Activation.PRELU) {
            checkSlope("activationForward", slope, s.cols());
            ad = data(slope);
            ao = (int) slope.offset();
        }
        int cols = s.cols();
        for (int r = 0; r < s.rows(); r++) {
            int sb = rowBase(s, r);
            int hb = rowBase(h, r);
            switch (f) {
                case TANH -> {
                    for (int c = 0; c < cols; c++) {
                        hd.put(hb + c, FastMath.tanh(sd.get(sb + c)));
                    }
                }
                case LOGISTIC -> {
                    for (int c = 0; c < cols; c++) {
                        hd.put(hb + c, FastMath.logistic(sd.get(sb + c)));
                    }
                }
                case RELU -> {
                    for (int c = 0; c < cols; c++) {
                        float v = sd.get(sb + c);
                        hd.put(hb + c, v > 0f ? v : 0f);
                    }
                }
                case PRELU -> {
                    for (int c = 0; c < cols; c++) {
                        float v = sd.get(sb + c);
                        hd.put(hb + c, v > 0f ? v : ad.get(ao + c) * v);
                    }
                }
                case IDENTITY -> {
                    if (h != s) {
                        hd.put(hb, sd, sb, cols);
                    }
                }
                default -> throw new IllegalArgumentException("unsupported activation " + f);
            }
        }
    }

    private static void checkSlope(String op, Tensor slope, int cols) {
        if (slope == null || slope.rows() != 1 || slope.cols() != cols) {
            throw new IllegalArgumentException(op + ": PReLU needs a 1x" + cols + " slope tensor, got " + slope);
        }
    }

    @Override
    public void activationBackward(Activation f, Tensor s, Tensor h, Tensor g, Tensor slope, Tensor slopeGrad) {
        sameShape("activationBackward", s, g);
        sameShape("activationBackward", h, g);
        FloatBuffer sd = data(s);
        FloatBuffer hd = data(h);
        FloatBuffer gd = data(g);
        FloatBuffer ad = null;
        FloatBuffer dad = null;
        int ao = 0;
        int dao = 0;
        if (f == Activation.PRELU) {
            checkSlope("activationBackward", slope, g.cols());
            checkSlope("activationBackward (slope gradient)", slopeGrad, g.cols());
            ad = data(slope);
            ao = (int) slope.offset();
            dad = data(slopeGrad);
            dao = (int) slopeGrad.offset();
        }
        int cols = g.cols();
        for (int r = 0; r < g.rows(); r++) {
            int sb = rowBase(s, r);
            int hb = rowBase(h, r);
            int gb = rowBase(g, r);
            switch (f) {
                case TANH -> {
                    for (int c = 0; c < cols; c++) {
                        float y = hd.get(hb + c);
                        gd.put(gb + c, gd.get(gb + c) * (1f - y * y));
                    }
                }
                case LOGISTIC -> {
                    for (int c = 0; c < cols; c++) {
                        float y = hd.get(hb + c);
                        gd.put(gb + c, gd.get(gb + c) * (y * (1f - y)));
                    }
                }
                case RELU -> {
                    for (int c = 0; c < cols; c++) {
                        if (!(sd.get(sb + c) > 0f)) {
                            gd.put(gb + c, 0f);
                        }
                    }
                }
                case PRELU -> {
                    for (int c = 0; c < cols; c++) {
                        float v = sd.get(sb + c);
                        if (!(v > 0f)) {
                            float gv = gd.get(gb + c);
                            dad.put(dao + c, dad.get(dao + c) + gv * v);
                            gd.put(gb + c, gv * ad.get(ao + c));
                        }
                    }
                }
                case IDENTITY -> {
                }
                default -> throw new IllegalArgumentException("unsupported activation " + f);
            }
        }
    }

    @Override
    public void softmaxCrossEntropy(Tensor z, IndexBuffer targets, int targetOffset, Tensor weights,
                                    float gradScale, Tensor loss) {
        scalar("softmaxCrossEntropy loss", loss);
        checkWeights("softmaxCrossEntropy", weights, z.rows());
        int[] tg = idx(targets);
        checkRange("softmaxCrossEntropy targets", tg.length, targetOffset, z.rows());
        FloatBuffer zd = data(z);
        FloatBuffer wd = weights == null ? null : data(weights);
        int cols = z.cols();
        double total = 0;
        for (int r = 0; r < z.rows(); r++) {
            int zb = rowBase(z, r);
            float w = wd == null ? 1f : wd.get(rowBase(weights, r));
            if (w == 0f) {
                for (int c = 0; c < cols; c++) {
                    zd.put(zb + c, 0f);
                }
                continue;
            }
            int y = tg[targetOffset + r];
            if (y < 0 || y >= cols) {
                throw new IllegalArgumentException("softmaxCrossEntropy: target " + y + " at position "
                        + (targetOffset + r) + " is outside [0, " + cols + ")");
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, zd.get(zb + c));
            }
            // loss_r = log Σ exp(z − max) − (z_y − max): finite even where exp(z_y − max) underflows.
            double zy = (double) zd.get(zb + y) - max;
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(zd.get(zb + c) - max);
                zd.put(zb + c, e);
                sum += e;
            }
            total += w * (Math.log(sum) - zy);
            float k = (float) (gradScale * w / sum);
            float ws = gradScale * w;
            for (int c = 0; c < cols; c++) {
                zd.put(zb + c, k * zd.get(zb + c));
            }
            zd.put(zb + y, zd.get(zb + y) - ws);
        }
        FloatBuffer ld = data(loss);
        int li = (int) loss.offset();
        ld.put(li, (float) (ld.get(li) + total));
    }

    private static void checkWeights(String op, Tensor weights, int rows) {
        if (weights != null && (weights.rows() != rows || weights.cols() != 1)) {
            throw new IllegalArgumentException(op + ": weights must be " + rows + "x1, got " + weights);
        }
    }

    @Override
    public void squaredError(Tensor pred, Tensor target, Tensor weights, float gradScale, Tensor loss) {
        sameShape("squaredError", pred, target);
        scalar("squaredError loss", loss);
        checkWeights("squaredError", weights, pred.rows());
        FloatBuffer pd = data(pred);
        FloatBuffer td = data(target);
        FloatBuffer wd = weights == null ? null : data(weights);
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
        FloatBuffer ld = data(loss);
        int li = (int) loss.offset();
        ld.put(li, (float) (ld.get(li) + total));
    }

    @Override
    public void clipScale(Tensor sumSquares, float threshold, Tensor scale) {
        scalar("clipScale sumSquares", sumSquares);
        scalar("clipScale scale", scale);
        double norm = Math.sqrt(data(sumSquares).get((int) sumSquares.offset()));
        float k;
        if (!Double.isFinite(norm)) {
            k = Float.NaN;
        } else {
            k = norm >= threshold ? (float) (threshold / norm) : 1f;
        }
        data(scale).put((int) scale.offset(), k);
    }

    @Override
    public void optimizerUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                                Tensor gradScale, long step) {
        sameShape("optimizerUpdate grads", params, grads);
        scalar("optimizerUpdate gradScale", gradScale);
        int states = rule.stateTensors();
        if (states >= 1) {
            if (state1 == null) {
                throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs state1");
            }
            sameShape("optimizerUpdate state1", params, state1);
        }
        if (states >= 2) {
            if (state2 == null) {
                throw new IllegalArgumentException("optimizerUpdate: " + rule.kind() + " needs state2");
            }
            sameShape("optimizerUpdate state2", params, state2);
        }
        if (step < 1) {
            throw new IllegalArgumentException("optimizerUpdate: step must be >= 1, got " + step);
        }
        if (!params.isContiguous() || !grads.isContiguous()
                || (state1 != null && !state1.isContiguous()) || (state2 != null && !state2.isContiguous())) {
            throw new IllegalArgumentException("optimizerUpdate: arenas must be contiguous");
        }
        FloatBuffer p = data(params);
        FloatBuffer g = data(grads);
        FloatBuffer s1 = states >= 1 ? data(state1) : null;
        FloatBuffer s2 = states >= 2 ? data(state2) : null;
        int po = (int) params.offset();
        int go = (int) grads.offset();
        int o1 = states >= 1 ? (int) state1.offset() : 0;
        int o2 = states >= 2 ? (int) state2.offset() : 0;
        int n = (int) params.size();
        float k = data(gradScale).get((int) gradScale.offset());
        float clip = rule.clipValue();
        boolean clamp = clip != Float.POSITIVE_INFINITY;
        float lr = rule.learningRate();
        float eps = rule.epsilon();
        switch (rule.kind()) {
            case SGD -> {
                float mu = rule.momentum();
                for (int i = 0; i < n; i++) {
                    float gi = k * g.get(go + i);
                    if (clamp) {
                        gi = Math.max(-clip, Math.min(clip, gi));
                    }
                    if (s1 != null) {
                        gi = mu * s1.get(o1 + i) + gi;
                        s1.put(o1 + i, gi);
                    }
                    p.put(po + i, p.get(po + i) - lr * gi);
                }
            }
            case ADAGRAD -> {
                for (int i = 0; i < n; i++) {
                    float gi = k * g.get(go + i);
                    if (clamp) {
                        gi = Math.max(-clip, Math.min(clip, gi));
                    }
                    float a = s1.get(o1 + i) + gi * gi;
                    s1.put(o1 + i, a);
                    p.put(po + i, p.get(po + i) - lr * gi / ((float) Math.sqrt(a) + eps));
                }
            }
            case RMSPROP -> {
                float rho = rule.rho();
                for (int i = 0; i < n; i++) {
                    float gi = k * g.get(go + i);
                    if (clamp) {
                        gi = Math.max(-clip, Math.min(clip, gi));
                    }
                    float v = rho * s1.get(o1 + i) + (1f - rho) * gi * gi;
                    s1.put(o1 + i, v);
                    p.put(po + i, p.get(po + i) - lr * gi / ((float) Math.sqrt(v) + eps));
                }
            }
            case ADAM -> {
                float b1 = rule.beta1();
                float b2 = rule.beta2();
                float c1 = (float) (1.0 / (1.0 - Math.pow(b1, step)));
                float c2 = (float) (1.0 / (1.0 - Math.pow(b2, step)));
                for (int i = 0; i < n; i++) {
                    float gi = k * g.get(go + i);
                    if (clamp) {
                        gi = Math.max(-clip, Math.min(clip, gi));
                    }
                    float m = b1 * s1.get(o1 + i) + (1f - b1) * gi;
                    float v = b2 * s2.get(o2 + i) + (1f - b2) * gi * gi;
                    s1.put(o1 + i, m);
                    s2.put(o2 + i, v);
                    p.put(po + i, p.get(po + i) - lr * (m * c1) / ((float) Math.sqrt(v * c2) + eps));
                }
            }
            default -> throw new IllegalArgumentException("unsupported optimizer " + rule.kind());
        }
    }

    @Override
    public void synchronize() {
        // Synchronous backend: nothing is queued.
    }

    @Override
    public void close() {
        // Buffers are owned by their tensors' owners; nothing else to release.
    }
}

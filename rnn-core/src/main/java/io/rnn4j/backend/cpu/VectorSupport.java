package io.rnn4j.backend.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the vectorized element-wise kernels are in use, as Apache Lucene decides it: when the JDK's
 * incubating Vector API module is readable (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}) and not switched off with
 * {@code -Drnn4j.cpu.vector=false}, {@link #OPS} is {@link VectorKernels}; otherwise it is null and
 * the scalar loops run, with one log line saying how to enable the fast path. Both paths compute the
 * same bits. With the module, {@link #GEMM} is the packed GEMM ({@link VectorGemm}) that the
 * recurrences and, through {@link VectorBlas}, the backend's larger products use; it is checked
 * against a float64 product when it loads, and OpenBLAS stays in use if that check fails.
 */
final class VectorSupport {
    private static final Logger LOG = LoggerFactory.getLogger(VectorSupport.class);
    /** The switch: {@code -Drnn4j.cpu.vector=false} keeps the scalar loops even with the module. */
    static final String PROPERTY = "rnn4j.cpu.vector";
    /** The vectorized kernels, or null. */
    static final VectorOps OPS = load();
    /**
     * Switch for the packed GEMM: {@code -Drnn4j.cpu.packedGemm=false} keeps OpenBLAS for the
     * recurrences and for every other product (the vectorized element-wise loops stay on).
     */
    static final String GEMM_PROPERTY = "rnn4j.cpu.packedGemm";
    /** The packed GEMM of the recurrences on the Vector API, or null (no module, or switched off). */
    static final PackedGemm GEMM = loadGemm();

    private VectorSupport() {
    }

    /** Runs each vectorized loop once against the scalar formulas (every lane and the tail); null when they agree. */
    static String selfCheck(VectorOps ops) {
        int n = 37;
        java.nio.FloatBuffer a = java.nio.FloatBuffer.allocate(n);
        java.nio.FloatBuffer b = java.nio.FloatBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            a.put(i, (i - 18) * 0.61f);
            b.put(i, 1f + i * 0.01f);
        }
        java.nio.FloatBuffer t = java.nio.FloatBuffer.allocate(n);
        ops.tanh(a, 0, t, 0, n);
        java.nio.FloatBuffer g = java.nio.FloatBuffer.allocate(n);
        g.put(0, b.array());
        ops.tanhBackward(t, 0, g, 0, n);
        for (int i = 0; i < n; i++) {
            float th = FastMath.tanh(a.get(i));
            if (Float.floatToIntBits(t.get(i)) != Float.floatToIntBits(th)
                    || Float.floatToIntBits(g.get(i)) != Float.floatToIntBits(b.get(i) * (1f - th * th))) {
                return "element " + i;
            }
        }
        return null;
    }

    /** Multiplies a small odd-sized case against a double sum; null when every element is within 1e-5. */
    static String selfCheck(PackedGemm g) {
        int rows = 5;
        int k = 19;
        int n = g.panelWidth() + 3;
        java.nio.FloatBuffer a = java.nio.FloatBuffer.allocate(rows * k);
        java.nio.FloatBuffer u = java.nio.FloatBuffer.allocate(n * k);
        java.nio.FloatBuffer c = java.nio.FloatBuffer.allocate(rows * n);
        for (int i = 0; i < a.capacity(); i++) {
            a.put(i, (float) Math.sin(i * 0.37));
        }
        for (int i = 0; i < u.capacity(); i++) {
            u.put(i, (float) Math.cos(i * 0.11));
        }
        for (int i = 0; i < c.capacity(); i++) {
            c.put(i, i * 0.01f);
        }
        for (boolean transpose : new boolean[] {false, true}) {
            java.nio.FloatBuffer out = java.nio.FloatBuffer.allocate(rows * n);
            out.put(0, c.array());
            int ld = transpose ? k : n;
            g.multiplyAdd(a, 0, k, rows, k, g.pack(u, 0, ld, transpose, k, n, null), n, out, 0, n);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    double want = c.get(r * n + j);
                    for (int kk = 0; kk < k; kk++) {
                        want += (double) a.get(r * k + kk) * u.get(transpose ? j * ld + kk : kk * ld + j);
                    }
                    if (Math.abs(out.get(r * n + j) - want) > 1e-5 * (1 + Math.abs(want))) {
                        return "element " + r + "," + j + (transpose ? " (transposed)" : "");
                    }
                }
            }
        }
        return null;
    }

    private static PackedGemm loadGemm() {
        if (OPS == null || "false".equalsIgnoreCase(System.getProperty(GEMM_PROPERTY))) {
            return null;
        }
        try {
            PackedGemm g = (PackedGemm) Class.forName("io.rnn4j.backend.cpu.VectorGemm").getDeclaredConstructor()
                    .newInstance();
            String bad = selfCheck(g);
            if (bad != null) {
                LOG.warn("packed recurrent GEMM disagrees with its reference ({}); using OpenBLAS", bad);
                return null;
            }
            return g;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.warn("packed recurrent GEMM did not load ({}); using OpenBLAS", e.toString());
            return null;
        }
    }

    private static VectorOps load() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            LOG.info("vectorized CPU kernels switched off (-D{}=false)", PROPERTY);
            return null;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.info("scalar CPU kernels and OpenBLAS GEMMs; start the JVM with --add-modules jdk.incubator.vector"
                    + " for the fast path (vectorized kernels and packed GEMMs: faster, results equal to float"
                    + " rounding)");
            return null;
        }
        try {
            VectorOps ops = (VectorOps) Class.forName("io.rnn4j.backend.cpu.VectorKernels").getDeclaredConstructor()
                    .newInstance();
            String bad = selfCheck(ops);
            if (bad != null) {
                LOG.warn("vectorized CPU kernels disagree with the scalar ones ({}); using the scalar ones", bad);
                return null;
            }
            LOG.info("vectorized element-wise CPU kernels (jdk.incubator.vector)");
            return ops;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.warn("the Vector API module is present but its kernels did not load ({}); using the scalar ones",
                    e.toString());
            return null;
        }
    }
}

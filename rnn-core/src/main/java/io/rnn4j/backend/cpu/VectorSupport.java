package io.rnn4j.backend.cpu;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the vectorized element-wise kernels are in use, as Apache Lucene decides it: when the JDK's
 * incubating Vector API module is readable (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}) and not switched off with
 * {@code -Drnn4j.cpu.vector=false}, {@link #OPS} is {@link VectorKernels}; otherwise it is null and
 * the scalar loops run, with one log line saying how to enable the fast path. Both paths compute the
 * same bits.
 */
final class VectorSupport {
    private static final Logger LOG = LoggerFactory.getLogger(VectorSupport.class);
    /** The switch: {@code -Drnn4j.cpu.vector=false} keeps the scalar loops even with the module. */
    static final String PROPERTY = "rnn4j.cpu.vector";
    /** The vectorized kernels, or null. */
    static final VectorOps OPS = load();

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

    private static VectorOps load() {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            LOG.info("vectorized CPU kernels switched off (-D{}=false)", PROPERTY);
            return null;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.info("scalar element-wise CPU kernels; start the JVM with --add-modules jdk.incubator.vector for"
                    + " the vectorized ones (same results, faster)");
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

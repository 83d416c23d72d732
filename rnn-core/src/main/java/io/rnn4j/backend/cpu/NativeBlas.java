package io.rnn4j.backend.cpu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads OpenBLAS once per class loader and remembers the outcome, so that a failed native load is
 * reported once and never retried or rethrown later.
 */
final class NativeBlas {
    private static final Logger LOG = LoggerFactory.getLogger(NativeBlas.class);
    private static final Throwable LOAD_ERROR = load();

    private NativeBlas() {
    }

    private static Throwable load() {
        try {
            Loader.load(openblas_nolapack.class);
            return null;
        } catch (Throwable t) {
            LOG.warn("OpenBLAS could not be loaded ({}); the CPU backend falls back to a pure-Java GEMM, "
                    + "which is much slower", t.toString());
            return t;
        }
    }

    /** True when OpenBLAS is loaded and usable. */
    static boolean available() {
        return LOAD_ERROR == null;
    }
}

package io.rnn4j.backend.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * {@code cblas_sgemm} on off-heap memory. Three reusable pointer objects are re-aimed at the
 * operands for each call, so a call allocates nothing and copies nothing.
 */
final class OpenBlasGemm implements Gemm {
    private final AddressPointer pa = new AddressPointer();
    private final AddressPointer pb = new AddressPointer();
    private final AddressPointer pc = new AddressPointer();
    private final int threads;

    OpenBlasGemm(int threads) {
        this.threads = threads;
        setThreads();
    }

    private void setThreads() {
        if (openblas_nolapack.blas_get_num_threads() != threads) {
            openblas_nolapack.blas_set_num_threads(threads);
        }
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      CpuBuffer a, long aOffset, int lda, CpuBuffer b, long bOffset, int ldb,
                      float beta, CpuBuffer c, long cOffset, int ldc) {
        setThreads();
        pa.aim(a.address() + aOffset * Float.BYTES);
        pb.aim(b.address() + bOffset * Float.BYTES);
        pc.aim(c.address() + cOffset * Float.BYTES);
        openblas_nolapack.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    @Override
    public String describe() {
        return openblas_nolapack.OPENBLAS_VERSION.trim() + " (" + threads
                + (threads == 1 ? " thread)" : " threads)");
    }

    /** A pointer whose address can be set; it never owns memory. */
    private static final class AddressPointer extends FloatPointer {
        AddressPointer() {
            super((org.bytedeco.javacpp.Pointer) null);
        }

        void aim(long addr) {
            this.address = addr;
            this.position = 0;
            this.limit = 0;
            this.capacity = 0;
        }
    }
}

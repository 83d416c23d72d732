package io.rnn4j.backend.cpu;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * {@code cblas_sgemm} on off-heap memory, always single-threaded inside OpenBLAS (the CPU backend
 * splits large GEMMs over its own threads). Each calling thread re-aims its own three pointer
 * objects at the operands, so a call allocates nothing and copies nothing, and concurrent calls
 * from the backend's threads do not interfere.
 */
final class OpenBlasGemm implements Gemm {
    private static final class Pointers {
        final AddressPointer a = new AddressPointer();
        final AddressPointer b = new AddressPointer();
        final AddressPointer c = new AddressPointer();
    }

    private final ThreadLocal<Pointers> pointers = ThreadLocal.withInitial(Pointers::new);

    OpenBlasGemm() {
        setThreads();
    }

    /**
     * OpenBLAS's thread count is process-wide; keep it at one, so that its own threads never spin
     * against the backend's.
     */
    private static void setThreads() {
        if (openblas_nolapack.blas_get_num_threads() != 1) {
            openblas_nolapack.blas_set_num_threads(1);
        }
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      CpuBuffer a, long aOffset, int lda, CpuBuffer b, long bOffset, int ldb,
                      float beta, CpuBuffer c, long cOffset, int ldc) {
        setThreads();
        Pointers p = pointers.get();
        AddressPointer pa = p.a;
        AddressPointer pb = p.b;
        AddressPointer pc = p.c;
        pa.aim(a.address() + aOffset * Float.BYTES);
        pb.aim(b.address() + bOffset * Float.BYTES);
        pc.aim(c.address() + cOffset * Float.BYTES);
        openblas_nolapack.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    @Override
    public String describe() {
        return openblas_nolapack.OPENBLAS_VERSION.trim() + " (single-threaded per call)";
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

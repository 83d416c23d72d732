// libcublas.so.13 of the emulated device: a handle (stream, math mode, workspace) and cublasSgemm with
// cuBLAS's documented column-major meaning: C = α·op(A)·op(B) + β·C for C m×n, op(A) m×k, op(B) k×n,
// leading dimensions checked as cuBLAS checks them (CUBLAS_STATUS_INVALID_VALUE), α and β read from host
// memory at the call (a captured GEMM keeps them), β = 0 ignoring whatever C held (NaN included), and
// nothing done when m or n is 0. The product runs in stream order on OpenBLAS (the copy the build unpacks
// next to this library, one thread; RNN4J_EMU_OPENBLAS names another), or on a plain loop without it.
// Operands outside device memory fail the stream with an illegal address, as a GPU would. TF32 math mode
// is accepted and computes in float32 (the emulator shows the math, not TF32's rounding).
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "emu.h"

using namespace rnn4j_emu;

namespace {

enum Status { kBlasOk = 0, kBlasNotInitialized = 1, kBlasInvalid = 7, kBlasExecutionFailed = 13 };

struct Handle {
    void* stream = nullptr;
    int math_mode = 0;
    void* workspace = nullptr;
    size_t workspace_bytes = 0;
};

using Sgemm = void (*)(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda,
                       const float* b, int ldb, float beta, float* c, int ldc);

Sgemm openblas() {
    static Sgemm s = []() -> Sgemm {
        std::string path;
        if (const char* e = std::getenv("RNN4J_EMU_OPENBLAS")) {
            path = e;
        } else {
            Dl_info info;
            if (dladdr(reinterpret_cast<void*>(&openblas), &info) && info.dli_fname) {
                path = info.dli_fname;
                path = path.substr(0, path.rfind('/') + 1) + "libopenblas.so.0";
            }
        }
        void* h = path.empty() ? nullptr : dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h) return nullptr;
        if (auto threads = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"))) threads(1);
        return reinterpret_cast<Sgemm>(dlsym(h, "cblas_sgemm"));
    }();
    return s;
}

// Column-major element (i, j) of op(X) where X is stored with leading dimension ld.
inline float at(const float* x, int ld, bool trans, int i, int j) {
    return trans ? x[static_cast<long long>(i) * ld + j] : x[static_cast<long long>(j) * ld + i];
}

void plain_sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float* c, int ldc) {
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int p = 0; p < k; p++) s += static_cast<double>(at(a, lda, ta, i, p)) * at(b, ldb, tb, p, j);
            c[static_cast<long long>(j) * ldc + i] += alpha * static_cast<float>(s);
        }
    }
}

// The bytes a column-major rows × cols matrix with leading dimension ld spans.
size_t span(int rows, int cols, int ld) {
    return rows == 0 || cols == 0 ? 0 : (static_cast<size_t>(cols - 1) * ld + rows) * sizeof(float);
}

}  // namespace

extern "C" {

EMU_API int cublasCreate_v2(void** handle) {
    if (!handle) return kBlasInvalid;
    if (runtime_enter()) return kBlasNotInitialized;
    *handle = new Handle;
    return kBlasOk;
}

// As cuBLAS: waits for the device first.
EMU_API int cublasDestroy_v2(void* handle) {
    if (!handle) return kBlasNotInitialized;
    runtime_enter();
    if (Context* c = current_context()) device_drain(c);
    delete static_cast<Handle*>(handle);
    return kBlasOk;
}

EMU_API int cublasSetStream_v2(void* handle, void* stream) {
    if (!handle) return kBlasNotInitialized;
    static_cast<Handle*>(handle)->stream = stream;
    return kBlasOk;
}

EMU_API int cublasGetStream_v2(void* handle, void** stream) {
    if (!handle) return kBlasNotInitialized;
    *stream = static_cast<Handle*>(handle)->stream;
    return kBlasOk;
}

EMU_API int cublasSetMathMode(void* handle, int mode) {
    if (!handle) return kBlasNotInitialized;
    if (mode < 0 || (mode & 0xff) > 3) return kBlasInvalid;
    static_cast<Handle*>(handle)->math_mode = mode;
    return kBlasOk;
}

EMU_API int cublasGetMathMode(void* handle, int* mode) {
    if (!handle) return kBlasNotInitialized;
    *mode = static_cast<Handle*>(handle)->math_mode;
    return kBlasOk;
}

EMU_API int cublasSetWorkspace_v2(void* handle, void* workspace, size_t bytes) {
    if (!handle) return kBlasNotInitialized;
    if (bytes > 0 && (!workspace || reinterpret_cast<uintptr_t>(workspace) % 256 != 0
                      || !device_range(workspace, bytes))) {
        return kBlasInvalid;
    }
    Handle* h = static_cast<Handle*>(handle);
    h->workspace = workspace;
    h->workspace_bytes = bytes;
    return kBlasOk;
}

EMU_API int cublasSgemm_v2(void* handle, int transa, int transb, int m, int n, int k, const float* alpha,
                           const float* a, int lda, const float* b, int ldb, const float* beta, float* c, int ldc) {
    if (!handle) return kBlasNotInitialized;
    if (runtime_enter()) return kBlasExecutionFailed;
    Handle* h = static_cast<Handle*>(handle);
    if (transa < 0 || transa > 2 || transb < 0 || transb > 2 || m < 0 || n < 0 || k < 0 || !alpha || !beta) {
        return kBlasInvalid;
    }
    bool ta = transa != 0, tb = transb != 0;
    int arows = ta ? k : m, acols = ta ? m : k, brows = tb ? n : k, bcols = tb ? k : n;
    if (lda < (arows > 1 ? arows : 1) || ldb < (brows > 1 ? brows : 1) || ldc < (m > 1 ? m : 1)) return kBlasInvalid;
    if (m == 0 || n == 0) return kBlasOk;
    float al = *alpha, be = *beta;  // host pointer mode: read now
    Stream* s = resolve_stream(h->stream);
    if (!s) return kBlasInvalid;
    bool product = k > 0 && al != 0.0f;
    int rc = stream_enqueue(s, [=](std::string& why) {
        if (!device_range(c, span(m, n, ldc)) || (product && !device_range(a, span(arows, acols, lda)))
            || (product && !device_range(b, span(brows, bcols, ldb)))) {
            why = "cublasSgemm: an operand lies outside device memory (m " + std::to_string(m) + ", n "
                  + std::to_string(n) + ", k " + std::to_string(k) + ", lda " + std::to_string(lda) + ", ldb "
                  + std::to_string(ldb) + ", ldc " + std::to_string(ldc) + ")";
            return static_cast<int>(kIllegalAddress);
        }
        for (int j = 0; j < n; j++) {
            float* col = c + static_cast<long long>(j) * ldc;
            if (be == 0.0f) {
                std::memset(col, 0, sizeof(float) * static_cast<size_t>(m));
            } else if (be != 1.0f) {
                for (int i = 0; i < m; i++) col[i] *= be;
            }
        }
        if (!product) return static_cast<int>(kSuccess);
        if (Sgemm g = openblas()) {
            g(102, ta ? 112 : 111, tb ? 112 : 111, m, n, k, al, a, lda, b, ldb, 1.0f, c, ldc);  // column-major
        } else {
            plain_sgemm(ta, tb, m, n, k, al, a, lda, b, ldb, c, ldc);
        }
        return static_cast<int>(kSuccess);
    });
    return rc ? kBlasExecutionFailed : kBlasOk;
}

}  // extern "C"

// The emulated CUDA device's own tests: each stand-in function against its documented meaning (cuBLAS's
// four transpose cases and checks, 2D copy pitches, memset, stream order, capture then replay, the capture
// rules), and the kernel runtime (block and warp reductions, a missing __syncthreads caught, atomics, a
// cooperative grid barrier, a cluster's distributed shared memory, the dynamic shared memory opt-in, a
// deadlock, a red zone and a spin that never ends each failing the launch). Run by build.sh --test with
// five emulated devices: a test that poisons a device uses its own.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern "C" {
int cudaSetDevice(int);
int cudaMalloc(void**, size_t);
int cudaFree(void*);
int cudaMallocHost(void**, size_t);
int cudaFreeHost(void*);
int cudaMemcpy2DAsync(void*, size_t, const void*, size_t, size_t, size_t, int, void*);
int cudaMemcpyAsync(void*, const void*, size_t, int, void*);
int cudaMemsetAsync(void*, int, size_t, void*);
int cudaStreamCreate(void**);
int cudaStreamCreateWithFlags(void**, unsigned);
int cudaStreamDestroy(void*);
int cudaStreamSynchronize(void*);
int cudaStreamBeginCapture(void*, int);
int cudaStreamEndCapture(void*, void**);
int cudaGraphInstantiate(void**, void*, unsigned long long);
int cudaGraphLaunch(void*, void*);
int cudaGraphExecDestroy(void*);
int cudaGraphDestroy(void*);
int cudaDeviceGetAttribute(int*, int, int);
int cuModuleLoadData(void**, const void*);
int cuModuleGetFunction(void**, void*, const char*);
int cuModuleUnload(void*);
int cuLaunchKernel(void*, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void*, void**, void**);
int cuLaunchCooperativeKernel(void*, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, void*,
                              void**);
int cuFuncSetAttribute(void*, int, int);
int cuOccupancyMaxActiveBlocksPerMultiprocessor(int*, void*, int, size_t);
int cuOccupancyMaxActiveClusters(int*, void*, const void*);
int cuCtxSetCurrent(void*);
int cublasCreate_v2(void**);
int cublasDestroy_v2(void*);
int cublasSetStream_v2(void*, void*);
int cublasSgemm_v2(void*, int, int, int, int, int, const float*, const float*, int, const float*, int, const float*,
                   float*, int);
int nvrtcCreateProgram(void**, const char*, const char*, int, const char* const*, const char* const*);
int nvrtcCompileProgram(void*, int, const char* const*);
int nvrtcGetCUBINSize(void*, size_t*);
int nvrtcGetCUBIN(void*, char*);
int nvrtcGetProgramLogSize(void*, size_t*);
int nvrtcGetProgramLog(void*, char*);
int nvrtcDestroyProgram(void**);
}

namespace {

int failures = 0, checks = 0;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            std::printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            std::printf(__VA_ARGS__);                                      \
            std::printf("\n");                                             \
        }                                                                  \
    } while (0)
#define OK(call) CHECK((call) == 0, "%s", #call)

constexpr int H2D = 1, D2H = 2, D2D = 3;

// The kernels the runtime tests launch.
const char* kSource = R"(
extern "C" __global__ void block_sum(const float* x, int n, float* out) {
    __shared__ float part[32];
    float v = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) v += x[i];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
#ifndef NO_SYNC
    __syncthreads();
#endif
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int w = 0; w < (int) (blockDim.x + 31) / 32; w++) s += part[w];
        *out = s;
    }
}

extern "C" __global__ void atomics(float* f, double* d, unsigned* u, int* mx) {
    atomicAdd(f, 1.0f);
    atomicAdd(d, 0.5);
    atomicAdd(u, 1u);
    atomicMax(mx, (int) (blockIdx.x * blockDim.x + threadIdx.x));
}

extern "C" __global__ void xor_butterfly(int* out) {
    int v = threadIdx.x;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    unsigned b = __ballot_sync(0xffffffffu, threadIdx.x % 3 == 0);
    out[threadIdx.x] = v;
    out[32 + threadIdx.x] = (int) b;
}

__device__ void grid_barrier(unsigned* bar) {
    __syncthreads();
    if (threadIdx.x == 0) {
        volatile unsigned* vb = bar;
        unsigned gen = vb[1];
        __threadfence();
        if (atomicAdd(bar, 1u) == gridDim.x - 1) {
            vb[0] = 0u;
            __threadfence();
            atomicAdd(bar + 1, 1u);
        } else {
            while (vb[1] == gen) __nanosleep(32);
        }
        __threadfence();
    }
    __syncthreads();
}

// Each step every block adds the sum of the previous step's values of all blocks: needs the barrier.
extern "C" __global__ void grid_steps(float* v, int steps, unsigned* bar) {
    for (int t = 0; t < steps; t++) {
        float s = 0.0f;
        if (threadIdx.x == 0) {
            for (int b = 0; b < (int) gridDim.x; b++) s += __ldcg(v + t * gridDim.x + b);
            v[(t + 1) * gridDim.x + blockIdx.x] = s + 1.0f;
        }
        grid_barrier(bar);
    }
}

extern "C" __global__ void __cluster_dims__(4, 1, 1) ring(int* out) {
    extern __shared__ int mine[];
    unsigned r = rnn4j_emu_cluster_rank();
    if (threadIdx.x == 0) mine[0] = (int) (100 * blockIdx.x + r);
    rnn4j_emu_cluster_sync();
    int* next = (int*) rnn4j_emu_map_shared_rank(mine, (r + 1) % 4);
    if (threadIdx.x == 0) out[blockIdx.x] = *next;
    rnn4j_emu_cluster_sync();
}

extern "C" __global__ void __cluster_dims__(8, 1, 1) wide_cluster(int* out) {
    extern __shared__ int mine[];
    rnn4j_emu_cluster_sync();
    if (threadIdx.x == 0) out[blockIdx.x] = (int) rnn4j_emu_cluster_size();
}

extern "C" __global__ void big_shared(float* out) {
    extern __shared__ float s[];
    s[threadIdx.x * 4096] = threadIdx.x;
    __syncthreads();
    if (threadIdx.x == 0) *out = s[4096];
}

extern "C" __global__ void divergent(int* x) {
    if (threadIdx.x < 16) __syncthreads();
    else __syncwarp();
    x[threadIdx.x] = 1;
}

extern "C" __global__ void past_the_end(float* x, int n) { x[n] = 1.0f; }

extern "C" __global__ void wild_read(float* x, int n) { x[0] = *(volatile float*) (long long) (16 + n * 0); }

extern "C" __global__ void spin_forever(volatile int* flag) {
    while (*flag == 0) __nanosleep(100);
}
)";

std::vector<char> compile(const char* arch, const char* extra = nullptr) {
    void* prog = nullptr;
    nvrtcCreateProgram(&prog, kSource, "test.cu", 0, nullptr, nullptr);
    std::string a = std::string("--gpu-architecture=") + arch;
    const char* opts[] = {a.c_str(), "--std=c++17", extra};
    int rc = nvrtcCompileProgram(prog, extra ? 3 : 2, opts);
    if (rc != 0) {
        size_t n = 0;
        nvrtcGetProgramLogSize(prog, &n);
        std::string log(n, '\0');
        nvrtcGetProgramLog(prog, log.data());
        std::printf("compile failed (%d):\n%s\n", rc, log.c_str());
    }
    CHECK(rc == 0, "nvrtcCompileProgram for %s", arch);
    size_t n = 0;
    nvrtcGetCUBINSize(prog, &n);
    std::vector<char> image(n);
    if (n) nvrtcGetCUBIN(prog, image.data());
    nvrtcDestroyProgram(&prog);
    return image;
}

void* fn(void* module, const char* name) {
    void* f = nullptr;
    CHECK(cuModuleGetFunction(&f, module, name) == 0, "cuModuleGetFunction(%s)", name);
    return f;
}

float reference(bool ta, bool tb, const std::vector<float>& a, int lda, const std::vector<float>& b, int ldb, int i,
                int j, int k) {
    double s = 0;
    for (int p = 0; p < k; p++) {
        float av = ta ? a[i * lda + p] : a[p * lda + i];
        float bv = tb ? b[p * ldb + j] : b[j * ldb + p];
        s += (double) av * bv;
    }
    return (float) s;
}

void test_sgemm() {
    void* h = nullptr;
    OK(cublasCreate_v2(&h));
    int m = 5, n = 4, k = 3;
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            int lda = (ta ? k : m) + 2, ldb = (tb ? n : k) + 1, ldc = m + 3;
            std::vector<float> a(lda * (ta ? m : k)), b(ldb * (tb ? k : n)), c(ldc * n);
            for (size_t i = 0; i < a.size(); i++) a[i] = (float) ((i * 7) % 11) - 5;
            for (size_t i = 0; i < b.size(); i++) b[i] = (float) ((i * 5) % 9) - 4;
            for (size_t i = 0; i < c.size(); i++) c[i] = (float) i;
            float *da, *db, *dc;
            OK(cudaMalloc((void**) &da, a.size() * 4));
            OK(cudaMalloc((void**) &db, b.size() * 4));
            OK(cudaMalloc((void**) &dc, c.size() * 4));
            OK(cudaMemcpyAsync(da, a.data(), a.size() * 4, H2D, nullptr));
            OK(cudaMemcpyAsync(db, b.data(), b.size() * 4, H2D, nullptr));
            OK(cudaMemcpyAsync(dc, c.data(), c.size() * 4, H2D, nullptr));
            float alpha = 2.0f, beta = 0.5f;
            OK(cublasSgemm_v2(h, ta, tb, m, n, k, &alpha, da, lda, db, ldb, &beta, dc, ldc));
            std::vector<float> out(c.size());
            OK(cudaMemcpyAsync(out.data(), dc, out.size() * 4, D2H, nullptr));
            double worst = 0;
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < ldc; i++) {
                    float want = i < m ? alpha * reference(ta, tb, a, lda, b, ldb, i, j, k) + beta * c[j * ldc + i]
                                       : c[j * ldc + i];  // rows past m untouched
                    worst = std::fmax(worst, std::fabs(out[j * ldc + i] - want));
                }
            }
            CHECK(worst < 1e-4, "sgemm transa=%d transb=%d differs by %g", ta, tb, worst);
            // beta = 0 ignores NaN in C; k = 0 scales C by beta.
            std::vector<float> nan(c.size(), NAN);
            OK(cudaMemcpyAsync(dc, nan.data(), nan.size() * 4, H2D, nullptr));
            float zero = 0.0f;
            OK(cublasSgemm_v2(h, ta, tb, m, n, k, &alpha, da, lda, db, ldb, &zero, dc, ldc));
            OK(cudaMemcpyAsync(out.data(), dc, out.size() * 4, D2H, nullptr));
            CHECK(!std::isnan(out[0]) && std::fabs(out[0] - alpha * reference(ta, tb, a, lda, b, ldb, 0, 0, k)) < 1e-4,
                  "beta 0 with NaN in C gave %g", out[0]);
            CHECK(cublasSgemm_v2(h, ta, tb, m, n, k, &alpha, da, ta ? k - 1 : m - 1, db, ldb, &beta, dc, ldc) == 7,
                  "a leading dimension below the rows of A is CUBLAS_STATUS_INVALID_VALUE");
            CHECK(cublasSgemm_v2(h, ta, tb, m, n, k, &alpha, da, lda, db, ldb, &beta, dc, m - 1) == 7, "ldc < m");
            OK(cudaFree(da));
            OK(cudaFree(db));
            OK(cudaFree(dc));
        }
    }
    OK(cublasDestroy_v2(h));
}

void test_copies_and_streams() {
    void* s = nullptr;
    OK(cudaStreamCreateWithFlags(&s, 1));
    float* d = nullptr;
    OK(cudaMalloc((void**) &d, 64 * 4));
    OK(cudaMemsetAsync(d, 0, 64 * 4, s));
    // A 3 × 4 block from a host matrix of pitch 6 floats into a device matrix of pitch 8 floats.
    std::vector<float> host(3 * 6);
    for (int i = 0; i < 18; i++) host[i] = (float) i;
    OK(cudaMemcpy2DAsync(d, 8 * 4, host.data(), 6 * 4, 4 * 4, 3, H2D, s));
    host[0] = -1;  // pageable: the values were taken at the call
    float* pinned = nullptr;
    OK(cudaMallocHost((void**) &pinned, 64 * 4));
    for (int i = 0; i < 64; i++) pinned[i] = 7;
    OK(cudaMemcpy2DAsync(pinned, 4 * 4, d, 8 * 4, 4 * 4, 3, D2H, s));
    CHECK(pinned[0] == 7, "a copy into pinned memory lands only when the stream gets there (read %g before waiting)",
          pinned[0]);
    OK(cudaStreamSynchronize(s));
    bool ok = true;
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 4; c++) ok = ok && pinned[r * 4 + c] == (float) (r * 6 + c);
    }
    CHECK(ok && pinned[12] == 7, "2D copies with pitches: got %g %g %g", pinned[0], pinned[5], pinned[11]);
    CHECK(cudaMemcpy2DAsync(d, 2 * 4, host.data(), 6 * 4, 4 * 4, 3, H2D, s) == 12, "width above the pitch");
    CHECK(cudaMemcpy2DAsync(d, 8 * 4, host.data(), 6 * 4, 4 * 4, 9, H2D, s) == 1, "past the end of the allocation");
    CHECK(cudaMemsetAsync(d + 60, 0, 8 * 4, s) == 1, "memset past the end");
    OK(cudaMemsetAsync(d, 0x3f, 4, s));
    OK(cudaMemcpyAsync(pinned, d, 4, D2H, s));
    OK(cudaStreamSynchronize(s));
    unsigned bits;
    std::memcpy(&bits, pinned, 4);
    CHECK(bits == 0x3f3f3f3fu, "memset sets bytes: %08x", bits);

    // Capture: a memset and a copy recorded, replayed twice; the recorded copy reads the pinned source at
    // each replay.
    OK(cudaStreamBeginCapture(s, 1));
    OK(cudaMemsetAsync(d, 0, 16, s));
    OK(cudaMemcpyAsync(d, pinned + 32, 8, H2D, s));
    void* g = nullptr;
    OK(cudaStreamEndCapture(s, &g));
    void* exec = nullptr;
    OK(cudaGraphInstantiate(&exec, g, 0));
    pinned[32] = 1;
    pinned[33] = 2;
    OK(cudaGraphLaunch(exec, s));
    OK(cudaMemcpyAsync(pinned, d, 16, D2H, s));
    OK(cudaStreamSynchronize(s));
    CHECK(pinned[0] == 1 && pinned[1] == 2 && pinned[2] == 0, "replay 1: %g %g %g", pinned[0], pinned[1], pinned[2]);
    pinned[32] = 5;
    OK(cudaGraphLaunch(exec, s));
    OK(cudaMemcpyAsync(pinned, d, 16, D2H, s));
    OK(cudaStreamSynchronize(s));
    CHECK(pinned[0] == 5, "replay 2 reads the source again: %g", pinned[0]);
    OK(cudaGraphExecDestroy(exec));
    OK(cudaGraphDestroy(g));

    // What a capture refuses: a wait on the stream, a cudaMalloc on the capturing thread, pageable memory.
    OK(cudaStreamBeginCapture(s, 1));
    CHECK(cudaStreamSynchronize(s) == 900, "a wait inside a capture");
    CHECK(cudaStreamEndCapture(s, &g) == 901 && g == nullptr, "the capture is invalidated");
    OK(cudaStreamBeginCapture(s, 1));
    void* extra = nullptr;
    CHECK(cudaMalloc(&extra, 16) == 900, "cudaMalloc inside a thread-local capture");
    CHECK(cudaStreamEndCapture(s, &g) == 901, "invalidated by cudaMalloc");
    OK(cudaStreamBeginCapture(s, 1));
    std::thread other([&] {
        void* p = nullptr;
        OK(cudaMalloc(&p, 16));  // another thread: allowed in thread-local mode
        OK(cudaFree(p));
    });
    other.join();
    CHECK(cudaMemcpyAsync(d, host.data(), 16, H2D, s) == 900, "pageable memory inside a capture");
    cudaStreamEndCapture(s, &g);

    // The legacy default stream waits for blocking streams: not while one of them captures.
    void* blocking = nullptr;
    OK(cudaStreamCreate(&blocking));
    OK(cudaStreamBeginCapture(blocking, 1));
    CHECK(cudaMemsetAsync(d, 0, 16, nullptr) == 906, "legacy stream work while a blocking stream captures");
    CHECK(cudaStreamEndCapture(blocking, &g) == 901, "that capture is invalidated");
    OK(cudaStreamBeginCapture(s, 1));  // a non-blocking stream is not affected
    OK(cudaMemsetAsync(d, 0, 16, nullptr));
    OK(cudaStreamEndCapture(s, &g));
    OK(cudaGraphDestroy(g));
    OK(cudaStreamDestroy(blocking));
    OK(cudaFreeHost(pinned));
    OK(cudaFree(d));
    OK(cudaStreamDestroy(s));
}

void* load(const std::vector<char>& image) {
    void* m = nullptr;
    OK(cuModuleLoadData(&m, image.data()));
    return m;
}

void test_kernels() {
    std::vector<char> img = compile("sm_90");
    void* m = load(img);
    float* x;
    float* out;
    OK(cudaMalloc((void**) &x, 1000 * 4));
    OK(cudaMalloc((void**) &out, 4 * 64));
    std::vector<float> ones(1000, 1.0f);
    OK(cudaMemcpyAsync(x, ones.data(), 4000, H2D, nullptr));
    int n = 1000;
    void* a1[] = {&x, &n, &out};
    OK(cuLaunchKernel(fn(m, "block_sum"), 1, 1, 1, 256, 1, 1, 0, nullptr, a1, nullptr));
    float r = 0;
    OK(cudaMemcpyAsync(&r, out, 4, D2H, nullptr));
    CHECK(r == 1000.0f, "block reduction: %g", r);

    // The same kernel without its __syncthreads: thread 0 reads the other warps' parts before they are written.
    std::vector<char> racy = compile("sm_90", "-DNO_SYNC");
    void* mr = load(racy);
    OK(cuLaunchKernel(fn(mr, "block_sum"), 1, 1, 1, 256, 1, 1, 0, nullptr, a1, nullptr));
    OK(cudaMemcpyAsync(&r, out, 4, D2H, nullptr));
    CHECK(r != 1000.0f, "a missing __syncthreads gives a wrong sum (got %g)", r);
    OK(cuModuleUnload(mr));

    float* f;
    double* dd;
    unsigned* u;
    int* mx;
    OK(cudaMalloc((void**) &f, 4));
    OK(cudaMalloc((void**) &dd, 8));
    OK(cudaMalloc((void**) &u, 4));
    OK(cudaMalloc((void**) &mx, 4));
    OK(cudaMemsetAsync(f, 0, 4, nullptr));
    OK(cudaMemsetAsync(dd, 0, 8, nullptr));
    OK(cudaMemsetAsync(u, 0, 4, nullptr));
    OK(cudaMemsetAsync(mx, 0, 4, nullptr));
    void* a2[] = {&f, &dd, &u, &mx};
    OK(cuLaunchKernel(fn(m, "atomics"), 7, 1, 1, 96, 1, 1, 0, nullptr, a2, nullptr));
    float fv;
    double dv;
    unsigned uv;
    int mv;
    OK(cudaMemcpyAsync(&fv, f, 4, D2H, nullptr));
    OK(cudaMemcpyAsync(&dv, dd, 8, D2H, nullptr));
    OK(cudaMemcpyAsync(&uv, u, 4, D2H, nullptr));
    OK(cudaMemcpyAsync(&mv, mx, 4, D2H, nullptr));
    CHECK(fv == 672.0f && dv == 336.0 && uv == 672u && mv == 671, "atomics: %g %g %u %d", fv, dv, uv, mv);

    int* xo;
    OK(cudaMalloc((void**) &xo, 64 * 4));
    void* a3[] = {&xo};
    OK(cuLaunchKernel(fn(m, "xor_butterfly"), 1, 1, 1, 32, 1, 1, 0, nullptr, a3, nullptr));
    std::vector<int> xv(64);
    OK(cudaMemcpyAsync(xv.data(), xo, 64 * 4, D2H, nullptr));
    unsigned want = 0;
    for (int l = 0; l < 32; l += 3) want |= 1u << l;
    CHECK(xv[0] == 496 && xv[31] == 496 && (unsigned) xv[32] == want, "xor shuffles and ballot: %d %d %x", xv[0],
          xv[31], (unsigned) xv[32]);

    // A cooperative launch: the grid barrier needs every block running at once.
    void* gs = fn(m, "grid_steps");
    int per_sm = 0;
    OK(cuOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, gs, 64, 0));
    int sms = 0;
    OK(cudaDeviceGetAttribute(&sms, 16, 0));
    CHECK(per_sm == 32 && sms == 4, "occupancy %d blocks on %d SMs", per_sm, sms);
    int blocks = 6, steps = 5;
    float* v;
    unsigned* bar;
    OK(cudaMalloc((void**) &v, (steps + 1) * blocks * 4));
    OK(cudaMalloc((void**) &bar, 8));
    OK(cudaMemsetAsync(v, 0, (steps + 1) * blocks * 4, nullptr));
    OK(cudaMemsetAsync(bar, 0, 8, nullptr));
    void* a4[] = {&v, &steps, &bar};
    OK(cuLaunchCooperativeKernel(gs, blocks, 1, 1, 64, 1, 1, 0, nullptr, a4));
    std::vector<float> vv((steps + 1) * blocks);
    OK(cudaMemcpyAsync(vv.data(), v, vv.size() * 4, D2H, nullptr));
    float expect = 0;
    for (int t = 0; t < steps; t++) expect = blocks * expect + 1;
    CHECK(vv[steps * blocks] == expect && vv[steps * blocks + blocks - 1] == expect, "grid barrier: %g, want %g",
          vv[steps * blocks], expect);
    CHECK(cuLaunchCooperativeKernel(gs, 4 * 32 + 1, 1, 1, 64, 1, 1, 0, nullptr, a4) == 720,
          "a cooperative grid larger than the device");

    // A cluster of four: each block reads its neighbour's shared memory.
    int* ro;
    OK(cudaMalloc((void**) &ro, 8 * 4));
    void* a5[] = {&ro};
    OK(cuLaunchKernel(fn(m, "ring"), 8, 1, 1, 32, 1, 1, 4, nullptr, a5, nullptr));
    std::vector<int> rv(8);
    OK(cudaMemcpyAsync(rv.data(), ro, 32, D2H, nullptr));
    CHECK(rv[0] == 101 && rv[3] == 0 && rv[4] == 501 && rv[7] == 400, "cluster ring: %d %d %d %d", rv[0], rv[3], rv[4],
          rv[7]);
    CHECK(cuLaunchKernel(fn(m, "ring"), 6, 1, 1, 32, 1, 1, 4, nullptr, a5, nullptr) == 912,
          "a grid that is not a multiple of the cluster");
    // A cluster of eight blocks of 200 KiB each does not fit on four multiprocessors (one block each): the
    // driver says 0 clusters, and a launch fails.
    void* wide = fn(m, "wide_cluster");
    unsigned w200 = 200 * 1024;
    OK(cuFuncSetAttribute(wide, 8, (int) w200));
    struct Config {
        unsigned grid[3], block[3], shared;
        void* stream;
        void* attrs;
        unsigned count;
    } cfg = {{8, 1, 1}, {32, 1, 1}, w200, nullptr, nullptr, 0};
    int clusters = -1;
    OK(cuOccupancyMaxActiveClusters(&clusters, wide, &cfg));
    CHECK(clusters == 0, "clusters of 8 x 200 KiB on 4 SMs: %d", clusters);
    cfg.shared = 4;
    OK(cuOccupancyMaxActiveClusters(&clusters, wide, &cfg));
    CHECK(clusters == 16, "clusters of 8 small blocks on 4 SMs (32 blocks each): %d", clusters);
    CHECK(cuLaunchKernel(wide, 8, 1, 1, 32, 1, 1, w200, nullptr, a5, nullptr) == 701, "a cluster that does not fit");
    OK(cuLaunchKernel(wide, 8, 1, 1, 32, 1, 1, 4, nullptr, a5, nullptr));
    OK(cudaMemcpyAsync(rv.data(), ro, 32, D2H, nullptr));
    CHECK(rv[0] == 8 && rv[7] == 8, "cluster size %d", rv[0]);

    // Dynamic shared memory above 48 KiB needs the function's opt-in.
    void* bs = fn(m, "big_shared");
    void* a6[] = {&out};
    unsigned huge = 8 * 4096 * 4;  // 128 KiB
    CHECK(cuLaunchKernel(bs, 1, 1, 1, 8, 1, 1, huge, nullptr, a6, nullptr) == 1, "no opt-in");
    CHECK(cuFuncSetAttribute(bs, 8, 300 * 1024) == 1, "more than the device's opt-in limit");
    OK(cuFuncSetAttribute(bs, 8, (int) huge));
    OK(cuLaunchKernel(bs, 1, 1, 1, 8, 1, 1, huge, nullptr, a6, nullptr));
    OK(cudaMemcpyAsync(&r, out, 4, D2H, nullptr));
    CHECK(r == 1.0f, "big shared: %g", r);

    // An sm_80 image does not load on an sm_90 device.
    std::vector<char> old = compile("sm_80");
    void* m80 = nullptr;
    CHECK(cuModuleLoadData(&m80, old.data()) == 209, "an sm_80 image on sm_90");
    OK(cuModuleUnload(m));
}

// A launch failure poisons its device: every later call there returns the error.
void test_failures() {
    std::vector<char> img = compile("sm_90");
    struct Case { int device; const char* kernel; int code; };
    for (Case c : {Case{1, "divergent", 719}, Case{2, "past_the_end", 700}, Case{3, "spin_forever", 702},
                   Case{4, "wild_read", 700}}) {
        OK(cudaSetDevice(c.device));
        void* m = load(img);
        int* p;
        OK(cudaMalloc((void**) &p, 64 * 4));
        OK(cudaMemsetAsync(p, 0, 64 * 4, nullptr));
        int n = 64;
        void* args1[] = {&p};
        void* args2[] = {&p, &n};
        OK(cuLaunchKernel(fn(m, c.kernel), 1, 1, 1, 32, 1, 1, 0, nullptr,
                          std::string(c.kernel) == "past_the_end" || std::string(c.kernel) == "wild_read" ? args2 : args1, nullptr));
        int rc = cudaStreamSynchronize(nullptr);
        CHECK(rc == c.code, "%s: %d, want %d", c.kernel, rc, c.code);
        CHECK(cudaMemsetAsync(p, 0, 4, nullptr) == c.code, "%s: the error is sticky", c.kernel);
    }
    OK(cudaSetDevice(0));
}

}  // namespace

int main() {
    OK(cudaSetDevice(0));
    test_sgemm();
    test_copies_and_streams();
    test_kernels();
    test_failures();
    std::printf("emulator tests: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}

// rnn4j fused kernels for the CUDA backend. Compiled at first use by NVRTC to a cubin for the
// device's own architecture; checked in CI by compiling for sm_80 and sm_90 without a GPU.
// Row-major tensors: a pointer to element (0, 0), rows, cols and a leading dimension (row stride)
// in floats. Element-wise kernels use grid-stride loops over rows × cols.
// Activation and optimizer codes (RNN4J_ACT_*, RNN4J_OPT_*) are defined by the Java class KernelCodes
// and put in front of this file before it is compiled: no enum ordinal crosses the boundary. A kernel
// that meets a code it does not know stores (kernel << 16 | code) in the error flag `err` (pinned host
// memory that the host reads after each synchronization) and does nothing.
// NaN semantics are the CPU backend's: a NaN input stays NaN through ReLU, clamps and the clip factor.

// NVRTC compiles without the standard headers: define what nvcc would bring in.
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif

// Finite test without math headers: exponent bits all ones means infinity or NaN.
__device__ __forceinline__ bool finite_f(float x) {
    return (__float_as_int(x) & 0x7fffffff) < 0x7f800000;
}

__device__ __forceinline__ void report_unknown(int* err, int kernel, int code) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        *(volatile int*) err = (kernel << 16) | (code & 0xffff);
    }
}

#define GRID_STRIDE(i, n) for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
                               i += (long long) blockDim.x * gridDim.x)

extern "C" __global__ void fill2d(float* x, int rows, int cols, int ld, float v) {
    GRID_STRIDE(i, (long long) rows * cols) {
        x[(i / cols) * ld + i % cols] = v;
    }
}

extern "C" __global__ void scale2d(float* x, int rows, int cols, int ld, float a) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long k = (i / cols) * ld + i % cols;
        x[k] = a * x[k];
    }
}

extern "C" __global__ void axpy2d(const float* x, int ldx, float* y, int ldy, int rows, int cols, float a) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        y[r * ldy + c] += a * x[r * ldx + c];
    }
}

extern "C" __global__ void copy2d(const float* x, int ldx, float* y, int ldy, int rows, int cols) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        y[r * ldy + c] = x[r * ldx + c];
    }
}

extern "C" __global__ void add_row_vector(float* x, int ld, int rows, int cols, const float* v) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        x[r * ld + c] += v[c];
    }
}

// Column sums: one thread per column, rows summed in double.
extern "C" __global__ void sum_rows(const float* x, int ld, int rows, int cols, float* out, int accumulate) {
    GRID_STRIDE(c, (long long) cols) {
        double s = accumulate ? (double) out[c] : 0.0;
        for (int r = 0; r < rows; r++) {
            s += x[(long long) r * ld + c];
        }
        out[c] = (float) s;
    }
}

// Block reduction of double values; the result is valid in thread 0.
__device__ double block_sum(double v) {
    __shared__ double part[32];
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_down_sync(0xffffffffu, v, o);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) part[warp] = v;
    __syncthreads();
    int warps = (blockDim.x + 31) >> 5;
    v = threadIdx.x < warps ? part[threadIdx.x] : 0.0;
    if (warp == 0) {
        for (int o = 16; o > 0; o >>= 1) {
            v += __shfl_down_sync(0xffffffffu, v, o);
        }
    }
    __syncthreads();
    return v;
}

__device__ float block_max(float v) {
    __shared__ float part[32];
    for (int o = 16; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) part[warp] = v;
    __syncthreads();
    int warps = (blockDim.x + 31) >> 5;
    v = threadIdx.x < warps ? part[threadIdx.x] : -INFINITY;
    if (warp == 0) {
        for (int o = 16; o > 0; o >>= 1) {
            v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
        }
    }
    __syncthreads();
    return v;
}

// This block's part of the sum of squares (valid in thread 0).
__device__ double block_sum_squares(const float* x, int ld, int rows, int cols) {
    double s = 0.0;
    GRID_STRIDE(i, (long long) rows * cols) {
        double v = x[(i / cols) * ld + i % cols];
        s += v * v;
    }
    return block_sum(s);
}

// Sum of squares, reduced on the device into acc[0] (double, zeroed by the caller).
extern "C" __global__ void sum_squares(const float* x, int ld, int rows, int cols, double* acc) {
    double s = block_sum_squares(x, ld, rows, cols);
    if (threadIdx.x == 0) atomicAdd(acc, s);
}

// out[0] = (accumulate ? out[0] : 0) + acc[0].
extern "C" __global__ void finish_scalar(const double* acc, float* out, int accumulate) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        out[0] = (float) ((accumulate ? (double) out[0] : 0.0) + acc[0]);
    }
}

extern "C" __global__ void gather_rows(const float* table, int ldt, const int* ids, float* out, int ldo, int rows,
                                       int cols, int accumulate) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        float v = table[(long long) ids[r] * ldt + c];
        float* o = out + r * ldo + c;
        *o = accumulate ? *o + v : v;
    }
}

extern "C" __global__ void scatter_add_rows(const float* src, int lds, const int* ids, float* table, int ldt, int rows,
                                            int cols) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        atomicAdd(table + (long long) ids[r] * ldt + c, src[r * lds + c]);
    }
}

__device__ bool known_activation(int kind) {
    switch (kind) {
        case RNN4J_ACT_TANH: case RNN4J_ACT_LOGISTIC: case RNN4J_ACT_RELU: case RNN4J_ACT_PRELU:
        case RNN4J_ACT_IDENTITY:
            return true;
        default:
            return false;
    }
}

// ReLU keeps NaN: s <= 0 is false for NaN.
__device__ float activate(int kind, float s, float slope) {
    switch (kind) {
        case RNN4J_ACT_TANH: return tanhf(s);
        case RNN4J_ACT_LOGISTIC: return 1.0f / (1.0f + expf(-s));
        case RNN4J_ACT_RELU: return s <= 0.0f ? 0.0f : s;
        case RNN4J_ACT_PRELU: return s > 0.0f ? s : slope * s;
        default: return s;  // RNN4J_ACT_IDENTITY (unknown codes are rejected before)
    }
}

extern "C" __global__ void act_forward(int kind, const float* s, int lds, float* h, int ldh, int rows, int cols,
                                       const float* slope, int* err) {
    if (!known_activation(kind)) {
        report_unknown(err, RNN4J_IN_ACT_FORWARD, kind);
        return;
    }
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        h[r * ldh + c] = activate(kind, s[r * lds + c], kind == RNN4J_ACT_PRELU ? slope[c] : 0.0f);
    }
}

// g = f'(s) ⊙ g in place, from the stored h for tanh and logistic; PReLU slope gradient by atomics.
extern "C" __global__ void act_backward(int kind, const float* s, int lds, const float* h, int ldh, float* g, int ldg,
                                        int rows, int cols, const float* slope, float* slope_grad, int* err) {
    if (!known_activation(kind)) {
        report_unknown(err, RNN4J_IN_ACT_BACKWARD, kind);
        return;
    }
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        float gv = g[r * ldg + c];
        float d;
        switch (kind) {
            case RNN4J_ACT_TANH: { float y = h[r * ldh + c]; d = 1.0f - y * y; break; }
            case RNN4J_ACT_LOGISTIC: { float y = h[r * ldh + c]; d = y * (1.0f - y); break; }
            case RNN4J_ACT_RELU: d = s[r * lds + c] > 0.0f ? 1.0f : 0.0f; break;
            case RNN4J_ACT_PRELU: {
                float sv = s[r * lds + c];
                if (sv > 0.0f) {
                    d = 1.0f;
                } else {
                    d = slope[c];
                    atomicAdd(slope_grad + c, gv * sv);
                }
                break;
            }
            default: d = 1.0f;  // RNN4J_ACT_IDENTITY
        }
        g[r * ldg + c] = d * gv;
    }
}

// One block per row: max, Σ exp, loss w·(log Σ − (z_y − max)) into acc[0], z ← scale·w·(softmax − onehot).
extern "C" __global__ void softmax_ce(float* z, int ldz, int rows, int cols, const int* targets, const float* w,
                                      int ldw, float grad_scale, double* acc) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        float* row = z + (long long) r * ldz;
        float wr = w ? w[(long long) r * ldw] : 1.0f;
        if (wr == 0.0f) {
            for (int c = threadIdx.x; c < cols; c += blockDim.x) row[c] = 0.0f;
            continue;
        }
        int y = targets[r];
        float m = -INFINITY;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, row[c]);
        m = block_max(m);
        __shared__ float shared_max;
        if (threadIdx.x == 0) shared_max = m;
        __syncthreads();
        m = shared_max;
        double s = 0.0;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float e = expf(row[c] - m);
            s += e;
        }
        s = block_sum(s);
        __shared__ double shared_sum;
        __shared__ float zy;
        if (threadIdx.x == 0) {
            shared_sum = s;
            zy = row[y] - m;
            atomicAdd(acc, (double) wr * (log(s) - (double) zy));
        }
        __syncthreads();
        double total = shared_sum;
        float k = (float) (grad_scale * wr / total);
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float p = k * expf(row[c] - m);
            row[c] = c == y ? p - grad_scale * wr : p;
        }
        __syncthreads();
    }
}

extern "C" __global__ void squared_error(float* p, int ldp, const float* t, int ldt, const float* w, int ldw, int rows,
                                         int cols, float grad_scale, double* acc) {
    double s = 0.0;
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        float wr = w ? w[r * ldw] : 1.0f;
        float d = p[r * ldp + c] - t[r * ldt + c];
        if (wr != 0.0f) s += (double) wr * d * d;
        p[r * ldp + c] = wr == 0.0f ? 0.0f : 2.0f * grad_scale * wr * d;
    }
    s = block_sum(s);
    if (threadIdx.x == 0) atomicAdd(acc, s);
}

// Pascanu et al.'s Omega per row (Backend.omegaRows): one thread per row; out may alias v.
extern "C" __global__ void omega_rows(const float* v, int ldv, const float* d, int ldd, float* out, int ldo,
                                      int rows, int cols, double* acc) {
    double s = 0.0;
    GRID_STRIDE(r, (long long) rows) {
        double sv = 0.0, sd = 0.0;
        for (int c = 0; c < cols; c++) {
            double a = v[r * ldv + c], b = d[r * ldd + c];
            sv += a * a;
            sd += b * b;
        }
        double nv = sqrt(sv), nd = sqrt(sd);
        double rho = nd > 0.0 ? nv / nd : 1.0;
        if (nd > 0.0) s += (rho - 1.0) * (rho - 1.0);
        float k = (nd > 0.0 && nv > 0.0) ? (float) (2.0 * (rho - 1.0) / (nv * nd)) : 0.0f;
        for (int c = 0; c < cols; c++) out[r * ldo + c] = k * v[r * ldv + c];
    }
    s = block_sum(s);
    if (threadIdx.x == 0) atomicAdd(acc, s);
}

// A non-finite (infinite or NaN) sum of squares gives a NaN factor, so that the non-finite check sees it.
extern "C" __global__ void clip_scale(const float* sumsq, float threshold, float* scale) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        float s = sumsq[0];
        double n = sqrt((double) s);
        float k;
        if (!finite_f(s) || s < 0.0f) {
            k = NAN;
        } else {
            k = n >= threshold ? (float) (threshold / n) : 1.0f;
        }
        scale[0] = k;
    }
}

// clamp(g, -c, c) that keeps NaN (fminf/fmaxf would turn NaN into a bound), as the CPU's Math.min/max do.
__device__ __forceinline__ float clamp_keep_nan(float g, float c) {
    return g > c ? c : (g < -c ? -c : g);
}

// One fused update over a whole arena, the formulas of UpdateRule; the gradient scale (clipping) is read
// from device memory. States in UpdateRule's order: SGD b; Adagrad s; RMSProp v, then b (momentum), then
// the gradient average (centered); Adam and AdamW m, v.
extern "C" __global__ void optimizer_update(int kind, float* p, const float* g, float* s1, float* s2, float* s3,
                                            long long n, const float* scale, float lr, float mu, float rho, float b1,
                                            float b2, float eps, float wd, int nesterov, int centered, float clip,
                                            float c1, float c2, const float* ctl, int* err) {
    if (ctl) {                                                  // gated (update_gate): step 0 = skip
        if (ctl[0] == 0.0f) return;
        c1 = ctl[1];
        c2 = ctl[2];
        lr = ctl[3];
    }
    if (kind != RNN4J_OPT_SGD && kind != RNN4J_OPT_ADAGRAD && kind != RNN4J_OPT_RMSPROP && kind != RNN4J_OPT_ADAM
            && kind != RNN4J_OPT_ADAMW) {
        report_unknown(err, RNN4J_IN_OPTIMIZER_UPDATE, kind);
        return;
    }
    float k = scale[0];
    bool decoupled = kind == RNN4J_OPT_ADAMW;
    float* buf = mu != 0.0f ? s2 : 0;                          // RMSProp's momentum buffer
    float* avg = centered ? (mu != 0.0f ? s3 : s2) : 0;        // RMSProp's gradient average
    GRID_STRIDE(i, n) {
        float gi = k * g[i];
        if (clip != INFINITY) gi = clamp_keep_nan(gi, clip);
        float pi = p[i];
        if (wd != 0.0f && !decoupled) gi += wd * pi;
        switch (kind) {
            case RNN4J_OPT_SGD:
                if (s1) {
                    float bi = mu * s1[i] + gi;
                    s1[i] = bi;
                    gi = nesterov ? gi + mu * bi : bi;
                }
                p[i] = pi - lr * gi;
                break;
            case RNN4J_OPT_ADAGRAD: {
                float a = s1[i] + gi * gi;
                s1[i] = a;
                p[i] = pi - lr * gi / (sqrtf(a) + eps);
                break;
            }
            case RNN4J_OPT_RMSPROP: {
                float v = rho * s1[i] + (1.0f - rho) * gi * gi;
                s1[i] = v;
                float d;
                if (avg) {
                    float ai = rho * avg[i] + (1.0f - rho) * gi;
                    avg[i] = ai;
                    d = sqrtf(v - ai * ai) + eps;
                } else {
                    d = sqrtf(v) + eps;
                }
                if (buf) {
                    float bi = mu * buf[i] + gi / d;
                    buf[i] = bi;
                    p[i] = pi - lr * bi;
                } else {
                    p[i] = pi - lr * gi / d;
                }
                break;
            }
            default: {  // RNN4J_OPT_ADAM, RNN4J_OPT_ADAMW
                if (decoupled) pi -= lr * wd * pi;
                float m = b1 * s1[i] + (1.0f - b1) * gi;
                float v = b2 * s2[i] + (1.0f - b2) * gi * gi;
                s1[i] = m;
                s2[i] = v;
                p[i] = pi - lr * (m * c1) / (sqrtf(v * c2) + eps);
            }
        }
    }
}

// SplitMix64's finalizer; the dropout masks of Backend.dropoutMask, bit for bit the CPU backend's.
__device__ __forceinline__ unsigned long long mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

extern "C" __global__ void dropout_mask(float* mask, long long n, float p, float keep, long long seed,
                                        long long stream) {
    unsigned long long key = mix64((unsigned long long) seed ^ mix64((unsigned long long) stream));
    GRID_STRIDE(i, n) {
        unsigned long long v = mix64(key + 0x9E3779B97F4A7C15ull * (unsigned long long) (i + 1));
        float u = (float) (v >> 40) * 5.9604644775390625e-8f;  // 2^-24
        mask[i] = u < p ? 0.0f : keep;
    }
}

// out[r, :] = x[r, :] * f[r mod m, :] (a per-sequence mask repeated at every step when m = B).
extern "C" __global__ void multiply_rows(const float* x, int ldx, const float* f, int ldf, int m, float* out, int ldo,
                                         int rows, int cols) {
    GRID_STRIDE(i, (long long) rows * cols) {
        long long r = i / cols, c = i % cols;
        out[r * ldo + c] = x[r * ldx + c] * f[(r % m) * ldf + c];
    }
}

__device__ float sigm(float x) {
    return 1.0f / (1.0f + expf(-x));
}

// One LSTM step on B rows (gate blocks i, f, g, o of H each); gates: pre-activations in, activations out.
// The LSTM and GRU cells at one (row, unit): shared by the per-step kernels below and the persistent sweeps
// of persistent.cu, so that both compute the same expressions.
struct LstmOut { float i, f, g, o, c, tc, h; };

__device__ __forceinline__ LstmOut lstm_cell(float pi, float pf, float pg, float po, float cprev) {
    LstmOut r;
    r.i = sigm(pi); r.f = sigm(pf); r.g = tanhf(pg); r.o = sigm(po);
    r.c = r.f * cprev + r.i * r.g;
    r.tc = tanhf(r.c);
    r.h = r.o * r.tc;
    return r;
}

// From the activated gates, c_{t-1}, tanh(c_t), ∂E/∂h_t and ∂E/∂c_t: the four gate gradients and ∂E/∂c_{t-1}.
struct LstmGrad { float di, df, dg, dout, dc; };

__device__ __forceinline__ LstmGrad lstm_cell_back(float gi, float gf, float gg, float go, float cprev, float tc,
                                                   float d, float dc) {
    LstmGrad r;
    float dcc = dc + d * go * (1.0f - tc * tc);
    r.di = dcc * gg * gi * (1.0f - gi);
    r.df = dcc * cprev * gf * (1.0f - gf);
    r.dg = dcc * gi * (1.0f - gg * gg);
    r.dout = d * tc * go * (1.0f - go);
    r.dc = dcc * gf;
    return r;
}

struct GruOut { float r, z, n, h; };

__device__ __forceinline__ GruOut gru_cell(float xr, float xz, float xn, float hr, float hz, float hn, float hprev) {
    GruOut o;
    o.r = sigm(xr + hr);
    o.z = sigm(xz + hz);
    o.n = tanhf(xn + o.r * hn);
    o.h = (1.0f - o.z) * o.n + o.z * hprev;
    return o;
}

// From the activated gates r, z, n, the step's (U h + b_h) of the n block, h_{t-1} and ∂E/∂h_t: the gradients of
// the x-side gate inputs (dr, dz, dn), of the h-side n input (dn · r), and the direct part z · ∂E/∂h_t.
struct GruGrad { float dr, dz, dn, dhn, direct; };

__device__ __forceinline__ GruGrad gru_cell_back(float rg, float z, float n, float hn, float hp, float d) {
    GruGrad o;
    o.dn = d * (1.0f - z) * (1.0f - n * n);
    o.dz = d * (hp - n) * z * (1.0f - z);
    o.dr = o.dn * hn * rg * (1.0f - rg);
    o.dhn = o.dn * rg;
    o.direct = d * z;
    return o;
}

extern "C" __global__ void lstm_forward(float* gates, int ldg, const float* cprev, int ldcp, float* c, int ldc,
                                        float* h, int ldh, float* tanhc, int ldt, int rows, int hs) {
    GRID_STRIDE(i, (long long) rows * hs) {
        long long r = i / hs, j = i % hs;
        float* g = gates + r * ldg;
        LstmOut o = lstm_cell(g[j], g[hs + j], g[2 * hs + j], g[3 * hs + j], cprev[r * ldcp + j]);
        g[j] = o.i; g[hs + j] = o.f; g[2 * hs + j] = o.g; g[3 * hs + j] = o.o;
        c[r * ldc + j] = o.c;
        tanhc[r * ldt + j] = o.tc;
        h[r * ldh + j] = o.h;
    }
}

extern "C" __global__ void lstm_backward(const float* gates, int ldg, const float* cprev, int ldcp, const float* tanhc,
                                         int ldt, const float* dh, int lddh, float* dc, int lddc, float* dgates,
                                         int lddg, int rows, int hs) {
    GRID_STRIDE(i, (long long) rows * hs) {
        long long r = i / hs, j = i % hs;
        const float* g = gates + r * ldg;
        LstmGrad o = lstm_cell_back(g[j], g[hs + j], g[2 * hs + j], g[3 * hs + j], cprev[r * ldcp + j],
                                    tanhc[r * ldt + j], dh[r * lddh + j], dc[r * lddc + j]);
        float* dg = dgates + r * lddg;
        dg[j] = o.di;
        dg[hs + j] = o.df;
        dg[2 * hs + j] = o.dg;
        dg[3 * hs + j] = o.dout;
        dc[r * lddc + j] = o.dc;
    }
}

// One GRU step (PyTorch's formulation, gate blocks r, z, n).
extern "C" __global__ void gru_forward(const float* xg, int ldx, const float* hg, int ldhg, const float* hprev, int ldp,
                                       float* h, int ldh, float* gates, int ldg, int rows, int hs) {
    GRID_STRIDE(i, (long long) rows * hs) {
        long long r = i / hs, j = i % hs;
        const float* x = xg + r * ldx;
        const float* hh = hg + r * ldhg;
        GruOut o = gru_cell(x[j], x[hs + j], x[2 * hs + j], hh[j], hh[hs + j], hh[2 * hs + j], hprev[r * ldp + j]);
        float* g = gates + r * ldg;
        g[j] = o.r; g[hs + j] = o.z; g[2 * hs + j] = o.n;
        h[r * ldh + j] = o.h;
    }
}

extern "C" __global__ void gru_backward(const float* gates, int ldg, const float* hg, int ldhg, const float* hprev,
                                        int ldp, const float* dh, int lddh, float* dxg, int lddx, float* dhg, int lddhg,
                                        float* dhprev, int lddp, int rows, int hs) {
    GRID_STRIDE(i, (long long) rows * hs) {
        long long r = i / hs, j = i % hs;
        const float* g = gates + r * ldg;
        GruGrad o = gru_cell_back(g[j], g[hs + j], g[2 * hs + j], hg[r * ldhg + 2 * hs + j], hprev[r * ldp + j],
                                  dh[r * lddh + j]);
        float* dx = dxg + r * lddx;
        float* dhh = dhg + r * lddhg;
        dx[j] = o.dr; dx[hs + j] = o.dz; dx[2 * hs + j] = o.dn;
        dhh[j] = o.dr; dhh[hs + j] = o.dz; dhh[2 * hs + j] = o.dhn;
        dhprev[r * lddp + j] = o.direct;
    }
}

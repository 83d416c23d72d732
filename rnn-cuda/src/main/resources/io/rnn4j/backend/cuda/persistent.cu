// rnn4j's persistent Elman recurrences (CudaRecurrences; switched by rnn4j.cuda.persistent and .clusters, off
// until a GPU run has verified them): compiled into the same module after kernels.cu and fast.cu (it uses
// activate, known_activation and report_unknown). A grid form for every GPU that launches cooperatively (its
// barrier in the device scratch, CudaDevice.BARRIER), and a cluster form for sm_90 and later.

// ------------------------------------------------------------------ the persistent Elman recurrence

// A spinning thread's pause: nothing on a GPU; on the emulated device (rnn-cuda/emulator), whose blocks share
// CPU cores, it lets the other blocks run.
#ifdef RNN4J_EMULATOR
#define RNN4J_SPIN_PAUSE() rnn4j_emu_spin_pause()
#else
#define RNN4J_SPIN_PAUSE()
#endif

// A barrier across the whole grid (every block resident: a cooperative launch). bar[0] counts arrivals,
// bar[1] is the generation; both are left ready for the next barrier and the next launch.
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
            while (vb[1] == gen) {
                RNN4J_SPIN_PAUSE();
            }
        }
        __threadfence();
    }
    __syncthreads();
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    return v;
}

// The warp's dot product of a row that other blocks wrote this sweep (read through L2: __ldcg) with a row of U
// kept in shared memory; every lane gets the sum.
__device__ __forceinline__ float warp_dot_l2(const float* x, const float* us_row, int n) {
    int lane = threadIdx.x & 31;
    float acc = 0.0f;
    for (int k = lane; k < n; k += 32) acc += __ldcg(x + k) * us_row[k];
    return warp_sum(acc);
}

// Lane 0 of each warp adds the warp's squares of ∂E/∂h_t and of the gate gradients to sq[t] (when recording).
__device__ __forceinline__ void add_step_squares(float* sq, int ldsq, int t, float sq_h, float sq_d) {
    if (sq && (threadIdx.x & 31) == 0) {
        atomicAdd(sq + (long long) t * ldsq, sq_h);
        atomicAdd(sq + (long long) t * ldsq + 1, sq_d);
    }
}

// The forward sweeps' slice of U: for units u0 .. u0 + mine of each of the G gate blocks, the rows g·H + unit
// (G·cw × H in shared memory, row (g·cw + c)). An Elman layer is G = 1.
__device__ void load_gate_rows(const float* u, int ldu, float* us, int gates, int hsize, int u0, int mine, int cw) {
    for (int i = threadIdx.x; i < gates * mine * hsize; i += blockDim.x) {
        int row = i / hsize, k = i % hsize;
        int g = row / mine, c = row % mine;
        us[(g * cw + c) * hsize + k] = u[(long long) (g * hsize + u0 + c) * ldu + k];
    }
}

// The backward sweeps' mirror: columns u0 .. u0 + mine of U over all its rows (G·H), transposed (c · G·H + r).
__device__ void load_gate_columns(const float* u, int ldu, float* us, int rows, int u0, int mine) {
    for (int i = threadIdx.x; i < rows * mine; i += blockDim.x) {
        int r = i / mine, c = i % mine;           // coalesced along U's row r
        us[c * rows + r] = u[(long long) r * ldu + u0 + c];
    }
}

// Backend.recurrentForward in one launch: block k owns the output columns [k·cw, min(H, (k+1)·cw)) and keeps
// those rows of U in shared memory for all T steps; per step each warp computes dot products (lanes split the
// H terms), writes s_t and h_{t+1} = f(s_t) for its outputs, and the grid meets at one barrier before the next
// step reads h_{t+1} (through L2: __ldcg). Not PReLU (the caller falls back).
extern "C" __global__ void elman_persistent_forward(int kind, const float* u, int ldu, float* pre, int ldp,
                                                    float* hidden, int ldh, int batch, int steps, int hsize, int cw,
                                                    unsigned* bar, int* err) {
    extern __shared__ float us[];                 // cw × hsize: rows k·cw .. of U
    if (!known_activation(kind) || kind == RNN4J_ACT_PRELU) {
        report_unknown(err, RNN4J_IN_PERSISTENT, kind);
        return;
    }
    int c0 = blockIdx.x * cw;
    int mine = min(cw, hsize - c0);
    load_gate_rows(u, ldu, us, 1, hsize, c0, mine, cw);
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = 0; t < steps; t++) {
        const float* h = hidden + (long long) t * batch * ldh;
        float* s = pre + (long long) t * batch * ldp;
        float* hn = hidden + (long long) (t + 1) * batch * ldh;
        for (int o = warp; o < batch * mine; o += warps) {
            int b = o / mine, c = o % mine;
            float acc = warp_dot_l2(h + (long long) b * ldh, us + c * hsize, hsize);
            if (lane == 0) {
                float sv = s[(long long) b * ldp + c0 + c] + acc;
                s[(long long) b * ldp + c0 + c] = sv;
                hn[(long long) b * ldh + c0 + c] = activate(kind, sv, 0.0f);
            }
        }
        grid_barrier(bar);
    }
}

// Backend.recurrentBackward in one launch, the mirror image: block k owns the columns [k·cw, ...) of U (kept
// transposed in shared memory); for t = T−1..0 it adds grad[t+1]·U to its columns of grad[t] (t < T−1), adds
// the squares of ∂E/∂h_t and of δ_t = f'(s_t) ⊙ ∂E/∂h_t into sq[t] (when sq is not null; zeroed by the
// caller), writes δ_t, and the grid meets at one barrier per step.
extern "C" __global__ void elman_persistent_backward(int kind, const float* u, int ldu, const float* pre, int ldp,
                                                     const float* hidden, int ldh, float* grad, int ldg, int batch,
                                                     int steps, int hsize, int cw, float* sq, int ldsq,
                                                     unsigned* bar, int* err) {
    extern __shared__ float us[];                 // cw × hsize: columns k·cw .. of U, transposed
    if (!known_activation(kind) || kind == RNN4J_ACT_PRELU) {
        report_unknown(err, RNN4J_IN_PERSISTENT, kind);
        return;
    }
    int c0 = blockIdx.x * cw;
    int mine = min(cw, hsize - c0);
    load_gate_columns(u, ldu, us, hsize, c0, mine);
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = steps - 1; t >= 0; t--) {
        float* g = grad + (long long) t * batch * ldg;
        const float* gn = grad + (long long) (t + 1) * batch * ldg;
        const float* s = pre + (long long) t * batch * ldp;
        const float* hn = hidden + (long long) (t + 1) * batch * ldh;
        float sq_h = 0.0f, sq_d = 0.0f;
        for (int o = warp; o < batch * mine; o += warps) {
            int b = o / mine, c = o % mine;
            float acc = t < steps - 1 ? warp_dot_l2(gn + (long long) b * ldg, us + c * hsize, hsize) : 0.0f;
            if (lane == 0) {
                long long j = c0 + c;
                float gv = g[(long long) b * ldg + j] + acc;
                float d;
                switch (kind) {
                    case RNN4J_ACT_TANH: { float y = hn[(long long) b * ldh + j]; d = 1.0f - y * y; break; }
                    case RNN4J_ACT_LOGISTIC: { float y = hn[(long long) b * ldh + j]; d = y * (1.0f - y); break; }
                    case RNN4J_ACT_RELU: d = s[(long long) b * ldp + j] > 0.0f ? 1.0f : 0.0f; break;
                    default: d = 1.0f;  // identity
                }
                float delta = d * gv;
                sq_h += gv * gv;
                sq_d += delta * delta;
                g[(long long) b * ldg + j] = delta;
            }
        }
        add_step_squares(sq, ldsq, t, sq_h, sq_d);
        grid_barrier(bar);
    }
}

// ------------------------------------------------------------------ Hopper: one cluster per batch slice

// On sm_90 and later, the persistent recurrences also come as clusters of RNN4J_CLUSTER blocks (compile-time
// cluster dimensions): a cluster takes `bs` rows of the batch for all T steps, block r of the cluster owns
// H/8 columns, and the blocks exchange h (δ backwards) through distributed shared memory, meeting at the
// cluster's hardware barrier once per step instead of a grid barrier through global memory. Clusters never
// wait for each other (they own disjoint rows), so they need not all be resident. Inline PTX (no headers) behind
// three device functions, cluster_rank, cluster_sync and load_remote, which the emulated device implements.
#define RNN4J_CLUSTER_SIZE 8
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define RNN4J_CLUSTER_DIMS __cluster_dims__(RNN4J_CLUSTER_SIZE, 1, 1)
#define RNN4J_HAS_CLUSTERS 1
#else
#define RNN4J_CLUSTER_DIMS
#define RNN4J_HAS_CLUSTERS 0
#endif

#if RNN4J_HAS_CLUSTERS && defined(RNN4J_EMULATOR)
// rnn4j's emulated device (rnn-cuda/emulator) implements the three cluster operations in its runtime.
__device__ __forceinline__ unsigned cluster_rank() { return rnn4j_emu_cluster_rank(); }
__device__ __forceinline__ void cluster_sync() { rnn4j_emu_cluster_sync(); }
__device__ __forceinline__ float load_remote(const float* p, unsigned rank) {
    return *(const volatile float*) rnn4j_emu_map_shared_rank(p, rank);
}
#elif RNN4J_HAS_CLUSTERS
__device__ __forceinline__ unsigned cluster_rank() {
    unsigned r;
    asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
    return r;
}

// Arrive (release) and wait (acquire): every block's earlier shared-memory writes are visible cluster-wide
// and every block's earlier remote reads are done.
__device__ __forceinline__ void cluster_sync() {
    asm volatile("barrier.cluster.arrive.release.aligned;\n\tbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}

// The float at the same shared-memory place as `p` in block `rank` of this cluster.
__device__ __forceinline__ float load_remote(const float* p, unsigned rank) {
    unsigned local = (unsigned) __cvta_generic_to_shared(p);
    unsigned remote;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(local), "r"(rank));
    float v;
    asm volatile("ld.shared::cluster.f32 %0, [%1];" : "=f"(v) : "r"(remote) : "memory");
    return v;
}

#endif

#if RNN4J_HAS_CLUSTERS
// The full rows [0, nb) × [0, hsize) of a matrix whose column slice [r·cw, (r+1)·cw) sits in block r's `slice`
// (nb × cw, row-major), gathered into the local `full` (nb × hsize).
__device__ void gather_slices(const float* slice, float* full, int nb, int hsize, int cw) {
    for (int i = threadIdx.x; i < nb * hsize; i += blockDim.x) {
        int b = i / hsize, k = i % hsize;
        full[i] = load_remote(slice + b * cw + k % cw, (unsigned) (k / cw));
    }
    __syncthreads();
}
#endif

// Shared memory (floats): U's slice cw × hsize, then two nb × cw buffers of this block's part of h (δ), then
// the gathered nb × hsize.
extern "C" __global__ void RNN4J_CLUSTER_DIMS elman_cluster_forward(int kind, const float* u, int ldu, float* pre,
                                                                    int ldp, float* hidden, int ldh, int batch,
                                                                    int steps, int hsize, int bs, int* err) {
#if RNN4J_HAS_CLUSTERS
    extern __shared__ float smem[];
    if (!known_activation(kind) || kind == RNN4J_ACT_PRELU) {
        report_unknown(err, RNN4J_IN_PERSISTENT, kind);
        return;
    }
    int cw = hsize / RNN4J_CLUSTER_SIZE;
    unsigned rank = cluster_rank();
    int c0 = (int) rank * cw;
    int b0 = (blockIdx.x / RNN4J_CLUSTER_SIZE) * bs;
    int nb = min(bs, batch - b0);                 // the same for every block of the cluster
    float* us = smem;
    float* part[2] = {us + cw * hsize, us + cw * hsize + bs * cw};
    float* full = us + cw * hsize + 2 * bs * cw;
    load_gate_rows(u, ldu, us, 1, hsize, c0, cw, cw);
    for (int i = threadIdx.x; i < nb * cw; i += blockDim.x) {
        part[0][i] = hidden[(long long) (b0 + i / cw) * ldh + c0 + i % cw];
    }
    cluster_sync();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = 0; t < steps; t++) {
        gather_slices(part[t & 1], full, nb, hsize, cw);
        float* s = pre + ((long long) t * batch + b0) * ldp;
        float* hn = hidden + ((long long) (t + 1) * batch + b0) * ldh;
        for (int o = warp; o < nb * cw; o += warps) {
            int b = o / cw, c = o % cw;
            const float* hr = full + b * hsize;
            const float* ur = us + c * hsize;
            float acc = 0.0f;
            for (int k = lane; k < hsize; k += 32) acc += hr[k] * ur[k];
            acc = warp_sum(acc);
            if (lane == 0) {
                float sv = s[(long long) b * ldp + c0 + c] + acc;
                float hv = activate(kind, sv, 0.0f);
                s[(long long) b * ldp + c0 + c] = sv;
                hn[(long long) b * ldh + c0 + c] = hv;
                part[(t + 1) & 1][b * cw + c] = hv;
            }
        }
        cluster_sync();
    }
#else
    report_unknown(err, RNN4J_IN_PERSISTENT, kind);   // never launched before sm_90 (CudaRecurrences checks)
#endif
}

// The mirror image: block r owns columns [r·cw, (r+1)·cw) of U (transposed in shared memory) and of grad; for
// t = T−1..0 it gathers δ_{t+1} from the cluster, adds δ_{t+1}·U to its columns of grad[t], adds the squares of
// ∂E/∂h_t and δ_t into sq[t] (zeroed by the caller; when not null), writes δ_t and shares it.
extern "C" __global__ void RNN4J_CLUSTER_DIMS elman_cluster_backward(int kind, const float* u, int ldu,
                                                                     const float* pre, int ldp, const float* hidden,
                                                                     int ldh, float* grad, int ldg, int batch,
                                                                     int steps, int hsize, int bs, float* sq,
                                                                     int ldsq, int* err) {
#if RNN4J_HAS_CLUSTERS
    extern __shared__ float smem[];
    if (!known_activation(kind) || kind == RNN4J_ACT_PRELU) {
        report_unknown(err, RNN4J_IN_PERSISTENT, kind);
        return;
    }
    int cw = hsize / RNN4J_CLUSTER_SIZE;
    unsigned rank = cluster_rank();
    int c0 = (int) rank * cw;
    int b0 = (blockIdx.x / RNN4J_CLUSTER_SIZE) * bs;
    int nb = min(bs, batch - b0);
    float* us = smem;
    float* part[2] = {us + cw * hsize, us + cw * hsize + bs * cw};
    float* full = us + cw * hsize + 2 * bs * cw;
    load_gate_columns(u, ldu, us, hsize, c0, cw);
    cluster_sync();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = steps - 1; t >= 0; t--) {
        bool carry = t < steps - 1;
        if (carry) gather_slices(part[(t + 1) & 1], full, nb, hsize, cw);
        float* g = grad + ((long long) t * batch + b0) * ldg;
        const float* s = pre + ((long long) t * batch + b0) * ldp;
        const float* hn = hidden + ((long long) (t + 1) * batch + b0) * ldh;
        float sq_h = 0.0f, sq_d = 0.0f;
        for (int o = warp; o < nb * cw; o += warps) {
            int b = o / cw, c = o % cw;
            float acc = 0.0f;
            if (carry) {
                const float* gr = full + b * hsize;
                const float* ur = us + c * hsize;
                for (int k = lane; k < hsize; k += 32) acc += gr[k] * ur[k];
                acc = warp_sum(acc);
            }
            if (lane == 0) {
                long long j = c0 + c;
                float gv = g[(long long) b * ldg + j] + acc;
                float d;
                switch (kind) {
                    case RNN4J_ACT_TANH: { float y = hn[(long long) b * ldh + j]; d = 1.0f - y * y; break; }
                    case RNN4J_ACT_LOGISTIC: { float y = hn[(long long) b * ldh + j]; d = y * (1.0f - y); break; }
                    case RNN4J_ACT_RELU: d = s[(long long) b * ldp + j] > 0.0f ? 1.0f : 0.0f; break;
                    default: d = 1.0f;  // identity
                }
                float delta = d * gv;
                sq_h += gv * gv;
                sq_d += delta * delta;
                g[(long long) b * ldg + j] = delta;
                part[t & 1][b * cw + c] = delta;
            }
        }
        add_step_squares(sq, ldsq, t, sq_h, sq_d);
        cluster_sync();
    }
#else
    report_unknown(err, RNN4J_IN_PERSISTENT, kind);   // never launched before sm_90 (CudaRecurrences checks)
#endif
}

// ------------------------------------------------------------------ the persistent LSTM and GRU sweeps (grid form)

// Block k owns the units [k·cw, k·cw + mine) of all G gate blocks (load_gate_rows / load_gate_columns with G = 4
// or 3). Per step each warp takes one (row, unit), its lanes split the H terms of the G dot products, and lane 0
// runs the cell (lstm_cell, gru_cell: the per-step kernels' expressions).

// Backend.lstmRecurrentForward in one launch (U 4H × H; gates T·B × 4H in: W x + b, out: activated).
extern "C" __global__ void lstm_persistent_forward(const float* u, int ldu, float* gates, int ldg, float* hidden,
                                                   int ldh, float* cells, int ldc, float* tanhc, int ldt, int batch,
                                                   int steps, int hsize, int cw, unsigned* bar) {
    extern __shared__ float us[];
    int u0 = blockIdx.x * cw;
    int mine = min(cw, hsize - u0);
    load_gate_rows(u, ldu, us, 4, hsize, u0, mine, cw);
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = 0; t < steps; t++) {
        for (int o = warp; o < batch * mine; o += warps) {
            int b = o / mine, c = o % mine;
            long long row = (long long) t * batch + b;
            const float* hr = hidden + row * ldh;
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
            for (int k = lane; k < hsize; k += 32) {
                float hv = __ldcg(hr + k);
                a0 += hv * us[(0 * cw + c) * hsize + k];
                a1 += hv * us[(1 * cw + c) * hsize + k];
                a2 += hv * us[(2 * cw + c) * hsize + k];
                a3 += hv * us[(3 * cw + c) * hsize + k];
            }
            a0 = warp_sum(a0); a1 = warp_sum(a1); a2 = warp_sum(a2); a3 = warp_sum(a3);
            if (lane == 0) {
                int j = u0 + c;
                float* g = gates + row * ldg;
                LstmOut r = lstm_cell(g[j] + a0, g[hsize + j] + a1, g[2 * hsize + j] + a2, g[3 * hsize + j] + a3,
                                      __ldcg(cells + row * ldc + j));
                g[j] = r.i; g[hsize + j] = r.f; g[2 * hsize + j] = r.g; g[3 * hsize + j] = r.o;
                cells[(row + batch) * ldc + j] = r.c;
                tanhc[row * ldt + j] = r.tc;
                hidden[(row + batch) * ldh + j] = r.h;
            }
        }
        grid_barrier(bar);
    }
}

// Backend.lstmRecurrentBackward in one launch: for t = T−1..0, ∂E/∂h_t = grad[t] + dGates[t+1]·U on the block's
// units, the cell's gradients (lstm_cell_back) with the carried dc, grad[t] ← ∂E/∂h_t, the per-step squares.
extern "C" __global__ void lstm_persistent_backward(const float* u, int ldu, const float* gates, int ldg,
                                                    const float* cells, int ldc, const float* tanhc, int ldt,
                                                    float* grad, int ldgr, float* dc, int lddc, float* dgates,
                                                    int lddg, int batch, int steps, int hsize, int cw, float* sq,
                                                    int ldsq, unsigned* bar) {
    extern __shared__ float us[];
    int u0 = blockIdx.x * cw;
    int mine = min(cw, hsize - u0);
    int rows = 4 * hsize;
    load_gate_columns(u, ldu, us, rows, u0, mine);
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = steps - 1; t >= 0; t--) {
        float sq_h = 0.0f, sq_d = 0.0f;
        for (int o = warp; o < batch * mine; o += warps) {
            int b = o / mine, c = o % mine;
            long long row = (long long) t * batch + b;
            float acc = t < steps - 1 ? warp_dot_l2(dgates + (row + batch) * lddg, us + c * rows, rows) : 0.0f;
            if (lane == 0) {
                int j = u0 + c;
                const float* g = gates + row * ldg;
                float d = grad[row * ldgr + j] + acc;
                LstmGrad r = lstm_cell_back(g[j], g[hsize + j], g[2 * hsize + j], g[3 * hsize + j],
                                            cells[row * ldc + j], tanhc[row * ldt + j], d, dc[(long long) b * lddc + j]);
                float* dg = dgates + row * lddg;
                dg[j] = r.di; dg[hsize + j] = r.df; dg[2 * hsize + j] = r.dg; dg[3 * hsize + j] = r.dout;
                dc[(long long) b * lddc + j] = r.dc;
                grad[row * ldgr + j] = d;
                sq_h += d * d;
                sq_d += r.di * r.di + r.df * r.df + r.dg * r.dg + r.dout * r.dout;
            }
        }
        add_step_squares(sq, ldsq, t, sq_h, sq_d);
        grid_barrier(bar);
    }
}

// Backend.gruRecurrentForward in one launch (U 3H × H): hGates[t] = h_t·Uᵀ (+ b_h) on the block's units (kept for
// the backward sweep), then gru_cell.
extern "C" __global__ void gru_persistent_forward(const float* u, int ldu, const float* bias, const float* xg, int ldx,
                                                  float* hg, int ldhg, float* hidden, int ldh, float* acts, int lda,
                                                  int batch, int steps, int hsize, int cw, unsigned* bar) {
    extern __shared__ float us[];
    int u0 = blockIdx.x * cw;
    int mine = min(cw, hsize - u0);
    load_gate_rows(u, ldu, us, 3, hsize, u0, mine, cw);
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = 0; t < steps; t++) {
        for (int o = warp; o < batch * mine; o += warps) {
            int b = o / mine, c = o % mine;
            long long row = (long long) t * batch + b;
            const float* hr = hidden + row * ldh;
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f;
            for (int k = lane; k < hsize; k += 32) {
                float hv = __ldcg(hr + k);
                a0 += hv * us[(0 * cw + c) * hsize + k];
                a1 += hv * us[(1 * cw + c) * hsize + k];
                a2 += hv * us[(2 * cw + c) * hsize + k];
            }
            a0 = warp_sum(a0); a1 = warp_sum(a1); a2 = warp_sum(a2);
            if (lane == 0) {
                int j = u0 + c;
                if (bias) {
                    a0 += bias[j]; a1 += bias[hsize + j]; a2 += bias[2 * hsize + j];
                }
                float* h = hg + row * ldhg;
                h[j] = a0; h[hsize + j] = a1; h[2 * hsize + j] = a2;
                const float* x = xg + row * ldx;
                GruOut r = gru_cell(x[j], x[hsize + j], x[2 * hsize + j], a0, a1, a2, __ldcg(hr + j));
                float* a = acts + row * lda;
                a[j] = r.r; a[hsize + j] = r.z; a[2 * hsize + j] = r.n;
                hidden[(row + batch) * ldh + j] = r.h;
            }
        }
        grid_barrier(bar);
    }
}

// Backend.gruRecurrentBackward in one launch: ∂E/∂h_t = grad[t] + (direct + dhGates[t+1]·U) on the block's units,
// gru_cell_back, grad[t] ← ∂E/∂h_t, direct ← z ⊙ ∂E/∂h_t (its own units only), the per-step squares.
extern "C" __global__ void gru_persistent_backward(const float* u, int ldu, const float* acts, int lda, const float* hg,
                                                   int ldhg, const float* hidden, int ldh, float* grad, int ldgr,
                                                   float* dxg, int lddx, float* dhg, int lddhg, float* direct,
                                                   int lddir, int batch, int steps, int hsize, int cw, float* sq,
                                                   int ldsq, unsigned* bar) {
    extern __shared__ float us[];
    int u0 = blockIdx.x * cw;
    int mine = min(cw, hsize - u0);
    int rows = 3 * hsize;
    load_gate_columns(u, ldu, us, rows, u0, mine);
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = steps - 1; t >= 0; t--) {
        float sq_h = 0.0f, sq_d = 0.0f;
        for (int o = warp; o < batch * mine; o += warps) {
            int b = o / mine, c = o % mine;
            long long row = (long long) t * batch + b;
            float acc = t < steps - 1 ? warp_dot_l2(dhg + (row + batch) * lddhg, us + c * rows, rows) : 0.0f;
            if (lane == 0) {
                int j = u0 + c;
                float* dir = direct + (long long) b * lddir + j;
                float d = t < steps - 1 ? (grad[row * ldgr + j] + *dir) + acc : grad[row * ldgr + j];
                const float* a = acts + row * lda;
                GruGrad r = gru_cell_back(a[j], a[hsize + j], a[2 * hsize + j], hg[row * ldhg + 2 * hsize + j],
                                          hidden[row * ldh + j], d);
                float* dx = dxg + row * lddx;
                float* dh = dhg + row * lddhg;
                dx[j] = r.dr; dx[hsize + j] = r.dz; dx[2 * hsize + j] = r.dn;
                dh[j] = r.dr; dh[hsize + j] = r.dz; dh[2 * hsize + j] = r.dhn;
                *dir = r.direct;
                grad[row * ldgr + j] = d;
                sq_h += d * d;
                sq_d += r.dr * r.dr + r.dz * r.dz + r.dn * r.dn;
            }
        }
        add_step_squares(sq, ldsq, t, sq_h, sq_d);
        grid_barrier(bar);
    }
}

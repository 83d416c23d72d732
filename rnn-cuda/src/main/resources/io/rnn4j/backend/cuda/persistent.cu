// rnn4j's persistent Elman recurrences (CudaRecurrences; switched by rnn4j.cuda.persistent and .clusters, off
// until a GPU run has verified them): compiled into the same module after kernels.cu and fast.cu (it uses
// activate, known_activation and report_unknown). A grid form for every GPU that launches cooperatively (its
// barrier in the device scratch, CudaDevice.BARRIER), and a cluster form for sm_90 and later.

// ------------------------------------------------------------------ the persistent Elman recurrence

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
            }
        }
        __threadfence();
    }
    __syncthreads();
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
    for (int i = threadIdx.x; i < mine * hsize; i += blockDim.x) {
        int c = i / hsize, k = i % hsize;
        us[i] = u[(long long) (c0 + c) * ldu + k];
    }
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t = 0; t < steps; t++) {
        const float* h = hidden + (long long) t * batch * ldh;
        float* s = pre + (long long) t * batch * ldp;
        float* hn = hidden + (long long) (t + 1) * batch * ldh;
        for (int o = warp; o < batch * mine; o += warps) {
            int b = o / mine, c = o % mine;
            const float* hr = h + (long long) b * ldh;
            const float* ur = us + c * hsize;
            float acc = 0.0f;
            for (int k = lane; k < hsize; k += 32) acc += __ldcg(hr + k) * ur[k];
            for (int off = 16; off > 0; off >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, off);
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
    for (int i = threadIdx.x; i < mine * hsize; i += blockDim.x) {
        int k = i / mine, c = i % mine;           // coalesced along U's row k
        us[c * hsize + k] = u[(long long) k * ldu + c0 + c];
    }
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
            float acc = 0.0f;
            if (t < steps - 1) {
                const float* gr = gn + (long long) b * ldg;
                const float* ur = us + c * hsize;
                for (int k = lane; k < hsize; k += 32) acc += __ldcg(gr + k) * ur[k];
                for (int off = 16; off > 0; off >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, off);
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
            }
        }
        if (sq && lane == 0) {
            atomicAdd(sq + (long long) t * ldsq, sq_h);
            atomicAdd(sq + (long long) t * ldsq + 1, sq_d);
        }
        grid_barrier(bar);
    }
}

// ------------------------------------------------------------------ Hopper: one cluster per batch slice

// On sm_90 and later, the persistent recurrences also come as clusters of RNN4J_CLUSTER blocks (compile-time
// cluster dimensions): a cluster takes `bs` rows of the batch for all T steps, block r of the cluster owns
// H/8 columns, and the blocks exchange h (δ backwards) through distributed shared memory, meeting at the
// cluster's hardware barrier once per step instead of a grid barrier through global memory. Clusters never
// wait for each other (they own disjoint rows), so they need not all be resident. Inline PTX, no headers.
#define RNN4J_CLUSTER_SIZE 8
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define RNN4J_CLUSTER_DIMS __cluster_dims__(RNN4J_CLUSTER_SIZE, 1, 1)
#define RNN4J_HAS_CLUSTERS 1
#else
#define RNN4J_CLUSTER_DIMS
#define RNN4J_HAS_CLUSTERS 0
#endif

#if RNN4J_HAS_CLUSTERS
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
    for (int i = threadIdx.x; i < cw * hsize; i += blockDim.x) {
        us[i] = u[(long long) (c0 + i / hsize) * ldu + i % hsize];
    }
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
            for (int off = 16; off > 0; off >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, off);
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
    for (int i = threadIdx.x; i < cw * hsize; i += blockDim.x) {
        int k = i / cw, c = i % cw;               // coalesced along U's row k
        us[c * hsize + k] = u[(long long) k * ldu + c0 + c];
    }
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
                for (int off = 16; off > 0; off >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, off);
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
        if (sq && lane == 0) {
            atomicAdd(sq + (long long) t * ldsq, sq_h);
            atomicAdd(sq + (long long) t * ldsq + 1, sq_d);
        }
        cluster_sync();
    }
#else
    report_unknown(err, RNN4J_IN_PERSISTENT, kind);   // never launched before sm_90 (CudaRecurrences checks)
#endif
}

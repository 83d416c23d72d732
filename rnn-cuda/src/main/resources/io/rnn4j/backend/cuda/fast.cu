// rnn4j's switchable fast kernels on the GPU (CudaSwitches): compiled into the same module as kernels.cu,
// after it (it uses finite_f, block_sum, activate, known_activation, report_unknown, GRID_STRIDE). Every
// kernel here is used only when its switch is on; each switch stays off until a GPU run has verified it.
//
// The device scratch these kernels share (CudaDevice: ACC, DONE, CONTROL): a double accumulator and a block
// counter that the "last block finishes" kernels leave at zero, and the gate's control words.

// ------------------------------------------------------------------ the last block finishes

// After each block has added its part into *acc: the last block to arrive writes
// out[0] = (accumulate ? out[0] : 0) + *acc and leaves *acc and *done at zero for the next launch.
// One launch instead of memset + kernel + finish (the threadFenceReduction pattern).
__device__ void last_block_finishes(double part, double* acc, unsigned* done, float* out, int accumulate) {
    __shared__ bool last;
    if (threadIdx.x == 0) {
        atomicAdd(acc, part);
        __threadfence();                      // release: this block's part before its arrival
        last = atomicAdd(done, 1u) == gridDim.x - 1;
    }
    __syncthreads();
    if (last && threadIdx.x == 0) {
        __threadfence();                      // acquire: every other block's part is seen before the total is read
        double total = *(volatile double*) acc;
        out[0] = (float) ((accumulate ? (double) out[0] : 0.0) + total);
        *acc = 0.0;
        *done = 0u;
        __threadfence();
    }
}

// Sum of squares into out[0] in one launch.
extern "C" __global__ void sum_squares_once(const float* x, int ld, int rows, int cols, double* acc,
                                            unsigned* done, float* out, int accumulate) {
    last_block_finishes(block_sum_squares(x, ld, rows, cols), acc, done, out, accumulate);
}

// ------------------------------------------------------------------ softmax cross-entropy, one warp per row

// One warp per row (V <= 1024), one pass for the maximum and the sum (the running pair (m, s) with
// s = Σ exp(z − m), rescaled when m grows), then the gradient pass; the loss is added into loss[0] by the
// last block. Same formulas and NaN behaviour as softmax_ce.
extern "C" __global__ void softmax_ce_warp(float* z, int ldz, int rows, int cols, const int* targets,
                                           const float* w, int ldw, float grad_scale, double* acc,
                                           unsigned* done, float* loss) {
    int lane = threadIdx.x & 31;
    int warps = blockDim.x >> 5;
    double part = 0.0;
    for (long long r = (long long) blockIdx.x * warps + (threadIdx.x >> 5); r < rows;
            r += (long long) gridDim.x * warps) {
        float* row = z + r * ldz;
        float wr = w ? w[r * ldw] : 1.0f;
        if (wr == 0.0f) {
            for (int c = lane; c < cols; c += 32) row[c] = 0.0f;
            continue;
        }
        float m = -INFINITY, s = 0.0f;
        for (int c = lane; c < cols; c += 32) {
            float x = row[c];
            if (x > m) {
                s = s * expf(m - x) + 1.0f;
                m = x;
            } else if (x != -INFINITY) {
                // A −∞ logit adds exp(−∞) = 0, skipped: while m is still −∞ it would be exp(−∞ − (−∞)) = NaN.
                // A NaN logit still reaches expf and makes the sum NaN.
                s += expf(x - m);
            }
        }
        for (int o = 16; o > 0; o >>= 1) {
            float m2 = __shfl_xor_sync(0xffffffffu, m, o);
            float s2 = __shfl_xor_sync(0xffffffffu, s, o);
            float mm = fmaxf(m, m2);
            // A lane that saw no column (or only −∞) has s = 0: it adds nothing, and exp(−∞ − mm) is not evaluated.
            // (s != 0 keeps a NaN sum NaN.)
            s = (s != 0.0f ? s * expf(m - mm) : 0.0f) + (s2 != 0.0f ? s2 * expf(m2 - mm) : 0.0f);
            m = mm;
        }
        int y = targets[r];
        float zy = row[y];
        __syncwarp();                             // every lane has read z_y before any lane overwrites the row
        if (lane == 0) part += (double) wr * (log((double) s) - (double) (zy - m));
        float k = grad_scale * wr / s;
        for (int c = lane; c < cols; c += 32) {
            float p = k * expf(row[c] - m);
            row[c] = c == y ? p - grad_scale * wr : p;
        }
    }
    part = block_sum(part);
    last_block_finishes(part, acc, done, loss, 1);
}

// ------------------------------------------------------------------ bias column sums, tiled

// Column sums with coalesced reads: a block of 256 threads takes 32 columns, 8 threads per column walk
// the rows (double sums), and the 8 partial sums meet in shared memory. Deterministic.
extern "C" __global__ void sum_rows_tiled(const float* x, int ld, int rows, int cols, float* out, int accumulate) {
    __shared__ double part[8][33];
    int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
    for (int c0 = blockIdx.x * 32; c0 < cols; c0 += gridDim.x * 32) {
        int c = c0 + tx;
        double s = 0.0;
        if (c < cols) {
            for (int r = ty; r < rows; r += 8) s += x[(long long) r * ld + c];
        }
        part[ty][tx] = s;
        __syncthreads();
        if (ty == 0 && c < cols) {
            double t = accumulate ? (double) out[c] : 0.0;
            for (int k = 0; k < 8; k++) t += part[k][tx];
            out[c] = (float) t;
        }
        __syncthreads();
    }
}

// ------------------------------------------------------------------ one-hot rows (the embedding gradient as a GEMM)

// onehot[r, v] = (ids[r] == v) for an n × V matrix: the embedding gradient becomes onehotᵀ · Δ, a cuBLAS GEMM
// (deterministic, no contended atomics) instead of scatter_add_rows.
extern "C" __global__ void one_hot_rows(const int* ids, int rows, int vocab, float* out, int ldo) {
    GRID_STRIDE(i, (long long) rows * vocab) {
        long long r = i / vocab, v = i % vocab;
        out[r * ldo + v] = ids[r] == v ? 1.0f : 0.0f;
    }
}

// ------------------------------------------------------------------ the gated update

// The gate of Backend.gatedUpdate, one thread: when the check values are all finite, control[0] (the update
// count) += 1 and ctl = {step, 1/(1 − β1^step), 1/(1 − β2^step), control[1] (the learning rate)}; otherwise
// ctl[0] = 0 and nothing else changes. The update kernel (optimizer_update with ctl) then runs or returns.
extern "C" __global__ void update_gate(const float* check, int rows, int cols, int ld, float* control,
                                       float beta1, float beta2, float* ctl) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    bool ok = true;
    if (check) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) ok = ok && finite_f(check[(long long) r * ld + c]);
        }
    }
    if (!ok) {
        ctl[0] = 0.0f;
        return;
    }
    float step = control[0] + 1.0f;
    control[0] = step;
    ctl[0] = step;
    ctl[1] = (float) (1.0 / (1.0 - pow((double) beta1, (double) step)));
    ctl[2] = (float) (1.0 / (1.0 - pow((double) beta2, (double) step)));
    ctl[3] = control[1];
}

// ------------------------------------------------------------------ the embedding gradient for large V, sorted

// The ids of an n-row scatter (n <= 4096) sorted with their row numbers by one block (bitonic sort in shared
// memory, padded to a power of two with INT_MAX): sorted[k] and rows[k]; equal ids keep their row order (the row
// number is the second key), so the sums below add in row order: deterministic.
#define RNN4J_SORT_MAX 4096
extern "C" __global__ void sort_ids(const int* ids, int n, int* sorted, int* rows) {
    __shared__ int key[RNN4J_SORT_MAX];
    __shared__ int idx[RNN4J_SORT_MAX];
    int m = 1;
    while (m < n) m <<= 1;
    for (int i = threadIdx.x; i < m; i += blockDim.x) {
        key[i] = i < n ? ids[i] : 0x7fffffff;
        idx[i] = i;
    }
    __syncthreads();
    for (int size = 2; size <= m; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = threadIdx.x; i < m; i += blockDim.x) {
                int j = i ^ stride;
                if (j > i) {
                    bool up = (i & size) == 0;
                    bool greater = key[i] > key[j] || (key[i] == key[j] && idx[i] > idx[j]);
                    if (greater == up) {
                        int tk = key[i]; key[i] = key[j]; key[j] = tk;
                        int ti = idx[i]; idx[i] = idx[j]; idx[j] = ti;
                    }
                }
            }
            __syncthreads();
        }
    }
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        sorted[i] = key[i];
        rows[i] = idx[i];
    }
}

// table[id] += Σ src[rows[k]] over the run of equal ids that starts at k (one block per run start, threads over
// the columns, the run added in order): the scatter-add without atomics.
extern "C" __global__ void scatter_sorted(const float* src, int lds, const int* sorted, const int* rows, int n,
                                          float* table, int ldt, int cols) {
    for (int k = blockIdx.x; k < n; k += gridDim.x) {
        if (k > 0 && sorted[k - 1] == sorted[k]) continue;     // not the start of a run
        int id = sorted[k];
        int end = k + 1;
        while (end < n && sorted[end] == id) end++;
        float* out = table + (long long) id * ldt;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float s = out[c];
            for (int r = k; r < end; r++) s += src[(long long) rows[r] * lds + c];
            out[c] = s;
        }
    }
}

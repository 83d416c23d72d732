// rnn4j's emulated CUDA device: what a kernel sees. The emulated NVRTC (nvrtc.cpp) compiles CUDA C with
// g++ and puts this header in front of it, so that the kernels' own source runs unchanged on a CPU:
//   - every CUDA thread is a fiber; the threads of a block share one OS thread and take turns only at
//     barriers, warp exchanges and spin pauses (the lowest-numbered runnable thread runs first);
//   - __shared__ variables are thread_local: a block runs on one OS thread at a time, and the blocks of a
//     cooperative or cluster launch each have their own OS thread, so each block has its own copy;
//     `extern __shared__ T name[]` (dynamic shared memory) is rewritten by the compiler into a pointer to
//     the block's dynamic shared memory;
//   - warp operations exchange values through the warp's slots between two warp barriers; atomics are
//     std::atomic_ref; __threadfence is a sequentially consistent fence.
// The runtime behind the rnn4j_emu_* functions is librnn4j_emu.so (src/blocks.cpp).
#pragma once
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#define RNN4J_EMULATOR 1

#include "rnn4j_emu/coords.h"

extern "C" {
// The running CUDA thread's coordinates, set by the scheduler at every switch (initial-exec TLS: a kernel
// reads threadIdx in one instruction).
extern __thread const rnn4j_emu::Coordinates* rnn4j_emu_current __attribute__((tls_model("initial-exec")));
const rnn4j_emu::Coordinates* rnn4j_emu_self();
void rnn4j_emu_syncthreads();
void rnn4j_emu_syncwarp(unsigned mask);
// Publishes `value` for the warp, waits for the lanes in `mask`, returns the value lane `src` published
// (its own when src is outside the warp or not in `mask`).
uint64_t rnn4j_emu_exchange(unsigned mask, uint64_t value, int src);
// As rnn4j_emu_exchange, but returns the bit set of the lanes whose `predicate` is nonzero.
unsigned rnn4j_emu_ballot(unsigned mask, int predicate);
// A spinning thread gives the others a turn (another thread of its block, else another OS thread).
void rnn4j_emu_spin_pause();
unsigned rnn4j_emu_cluster_rank();
unsigned rnn4j_emu_cluster_size();
void rnn4j_emu_cluster_sync();
// The address in block `rank` of the cluster of the dynamic shared memory at `local` in this block.
void* rnn4j_emu_map_shared_rank(const void* local, unsigned rank);
void* rnn4j_emu_dynamic_shared();
// Ends the launch with a launch failure (the context's error is then sticky, as on a GPU).
[[noreturn]] void rnn4j_emu_trap(const char* why);
}

#define threadIdx (rnn4j_emu_current->threadIdx)
#define blockIdx (rnn4j_emu_current->blockIdx)
#define blockDim (rnn4j_emu_current->blockDim)
#define gridDim (rnn4j_emu_current->gridDim)
static constexpr int warpSize = 32;

#define __global__
#define __device__
#define __host__
#define __noinline__ __attribute__((noinline))
#define __forceinline__ inline __attribute__((always_inline))
#define __shared__ static thread_local
#define __constant__ static const
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define __cluster_dims__(x, y, z)
#define __align__(n) alignas(n)

__forceinline__ void __syncthreads() { rnn4j_emu_syncthreads(); }
__forceinline__ void __syncwarp(unsigned mask = 0xffffffffu) { rnn4j_emu_syncwarp(mask); }
__forceinline__ void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
__forceinline__ void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }
__forceinline__ void __nanosleep(unsigned) { rnn4j_emu_spin_pause(); }
__forceinline__ void __trap() { rnn4j_emu_trap("__trap() called"); }

namespace rnn4j_emu {
template <class T>
__forceinline__ uint64_t bits(T v) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "warp exchanges move at most 8 bytes");
    uint64_t b = 0;
    std::memcpy(&b, &v, sizeof(T));
    return b;
}
template <class T>
__forceinline__ T from_bits(uint64_t b) {
    T v;
    std::memcpy(&v, &b, sizeof(T));
    return v;
}
__forceinline__ int lane() { return (int) (threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) & 31; }
}  // namespace rnn4j_emu

template <class T>
__forceinline__ T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
    int l = rnn4j_emu::lane();
    int base = l & ~(width - 1);
    return rnn4j_emu::from_bits<T>(rnn4j_emu_exchange(mask, rnn4j_emu::bits(v), base + (src & (width - 1))));
}
template <class T>
__forceinline__ T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    int l = rnn4j_emu::lane();
    int src = (l & (width - 1)) + (int) delta < width ? l + (int) delta : l;
    return rnn4j_emu::from_bits<T>(rnn4j_emu_exchange(mask, rnn4j_emu::bits(v), src));
}
template <class T>
__forceinline__ T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
    int l = rnn4j_emu::lane();
    int src = (l & (width - 1)) >= (int) delta ? l - (int) delta : l;
    return rnn4j_emu::from_bits<T>(rnn4j_emu_exchange(mask, rnn4j_emu::bits(v), src));
}
template <class T>
__forceinline__ T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
    int l = rnn4j_emu::lane();
    int src = l ^ lane_mask;
    if ((src & ~(width - 1)) != (l & ~(width - 1))) src = l;
    return rnn4j_emu::from_bits<T>(rnn4j_emu_exchange(mask, rnn4j_emu::bits(v), src));
}
__forceinline__ unsigned __ballot_sync(unsigned mask, int p) { return rnn4j_emu_ballot(mask, p); }
__forceinline__ int __any_sync(unsigned mask, int p) { return rnn4j_emu_ballot(mask, p) != 0; }
__forceinline__ int __all_sync(unsigned mask, int p) { return rnn4j_emu_ballot(mask, !p) == 0; }

// Atomics: read-modify-write on std::atomic_ref (the old value is returned, as in CUDA).
template <class T>
__forceinline__ T atomicAdd(T* p, T v) { return std::atomic_ref<T>(*p).fetch_add(v); }
__forceinline__ unsigned atomicInc(unsigned* p, unsigned limit) {
    std::atomic_ref<unsigned> a(*p);
    unsigned old = a.load();
    while (!a.compare_exchange_weak(old, old >= limit ? 0u : old + 1u)) {
    }
    return old;
}
template <class T>
__forceinline__ T atomicSub(T* p, T v) { return std::atomic_ref<T>(*p).fetch_sub(v); }
template <class T>
__forceinline__ T atomicExch(T* p, T v) { return std::atomic_ref<T>(*p).exchange(v); }
template <class T>
__forceinline__ T atomicCAS(T* p, T expected, T desired) {
    std::atomic_ref<T>(*p).compare_exchange_strong(expected, desired);
    return expected;
}
template <class T>
__forceinline__ T atomicMax(T* p, T v) {
    std::atomic_ref<T> a(*p);
    T old = a.load();
    while (old < v && !a.compare_exchange_weak(old, v)) {
    }
    return old;
}
template <class T>
__forceinline__ T atomicMin(T* p, T v) {
    std::atomic_ref<T> a(*p);
    T old = a.load();
    while (old > v && !a.compare_exchange_weak(old, v)) {
    }
    return old;
}

// Cache-hinted loads: plain volatile loads (every load sees the latest store here).
template <class T>
__forceinline__ T __ldcg(const T* p) { return *(const volatile T*) p; }
template <class T>
__forceinline__ T __ldg(const T* p) { return *p; }
template <class T>
__forceinline__ T __ldca(const T* p) { return *(const volatile T*) p; }

__forceinline__ int __float_as_int(float x) { return rnn4j_emu::from_bits<int>(rnn4j_emu::bits(x)); }
__forceinline__ float __int_as_float(int x) { return rnn4j_emu::from_bits<float>(rnn4j_emu::bits(x)); }
__forceinline__ unsigned __float_as_uint(float x) { return rnn4j_emu::from_bits<unsigned>(rnn4j_emu::bits(x)); }
__forceinline__ float __uint_as_float(unsigned x) { return rnn4j_emu::from_bits<float>(rnn4j_emu::bits(x)); }
__forceinline__ long long __double_as_longlong(double x) { return rnn4j_emu::from_bits<long long>(rnn4j_emu::bits(x)); }
__forceinline__ double __longlong_as_double(long long x) { return rnn4j_emu::from_bits<double>(rnn4j_emu::bits(x)); }

// CUDA's integer and floating min/max overloads.
__forceinline__ int min(int a, int b) { return a < b ? a : b; }
__forceinline__ int max(int a, int b) { return a > b ? a : b; }
__forceinline__ unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
__forceinline__ unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
__forceinline__ long long min(long long a, long long b) { return a < b ? a : b; }
__forceinline__ long long max(long long a, long long b) { return a > b ? a : b; }
__forceinline__ float min(float a, float b) { return fminf(a, b); }
__forceinline__ float max(float a, float b) { return fmaxf(a, b); }
__forceinline__ double min(double a, double b) { return fmin(a, b); }
__forceinline__ double max(double a, double b) { return fmax(a, b); }

// The kernel table of a module compiled by the emulated NVRTC: generated code after the kernels' source
// describes each `extern "C" __global__` kernel with describe(), which gives the runtime a trampoline that
// calls the kernel with the launch's argument array (CUDA's void** kernelParams) and the size of each
// parameter (the launch copies the values, as cuLaunchKernel does).
#pragma once
#include <cstddef>
#include <utility>

#define RNN4J_EMU_ABI 1

namespace rnn4j_emu {
using Trampoline = void (*)(void* fn, void* const* args);

struct KernelInfo {
    const char* name;
    void* fn;
    Trampoline call;
    int nargs;
    const unsigned* arg_sizes;
    unsigned cluster[3];  // compile-time __cluster_dims__, {1, 1, 1} without
};

template <class... A, std::size_t... I>
inline void invoke(void (*f)(A...), void* const* args, std::index_sequence<I...>) {
    f(*static_cast<A*>(args[I])...);
}

template <class... A>
void trampoline(void* fn, void* const* args) {
    invoke(reinterpret_cast<void (*)(A...)>(fn), args, std::index_sequence_for<A...>{});
}

template <class... A>
KernelInfo describe(const char* name, void (*f)(A...), unsigned cx, unsigned cy, unsigned cz) {
    static const unsigned sizes[] = {static_cast<unsigned>(sizeof(A))..., 0u};
    return KernelInfo{name, reinterpret_cast<void*>(f), &trampoline<A...>, static_cast<int>(sizeof...(A)), sizes,
                      {cx, cy, cz}};
}
}  // namespace rnn4j_emu

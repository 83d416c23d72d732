// The coordinates of a CUDA thread, shared by the kernels' header (device.h) and the runtime.
#pragma once

#ifndef RNN4J_EMU_UINT3
#define RNN4J_EMU_UINT3
struct uint3 {
    unsigned int x, y, z;
};
typedef uint3 dim3;
#endif

namespace rnn4j_emu {
// The running CUDA thread's coordinates (the runtime's ThreadState starts with them).
struct Coordinates {
    uint3 threadIdx, blockIdx, blockDim, gridDim;
};
}  // namespace rnn4j_emu

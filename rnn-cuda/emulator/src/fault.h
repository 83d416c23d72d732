// Faults of kernel code (fault.cpp): an illegal address fails the launch instead of ending the process.
#pragma once
#include <setjmp.h>

namespace rnn4j_emu {

// Installs the SIGSEGV and SIGBUS handlers (once per process) and this thread's alternate signal stack.
void install_fault_handler();

// While `j` is armed on this thread, a fault jumps to it (siglongjmp with the signal number); null disarms.
void arm_fault_jump(sigjmp_buf* j);

// The address of this thread's last fault.
void* fault_address();

}  // namespace rnn4j_emu

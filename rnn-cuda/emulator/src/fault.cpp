// A kernel that touches memory it may not (an index past a buffer, garbage ids) faults like any CPU code.
// On a GPU that is an illegal address: the launch fails and the context is dead. Here too: a SIGSEGV or
// SIGBUS on a thread that is running a CUDA thread jumps back to the block's scheduler, which fails the
// launch with cudaErrorIllegalAddress (naming the kernel, block, thread and address). Any other fault goes
// to the handler that was there before (the JVM's, which handles its own faults in Java code). The
// handlers run on an alternate stack, so that a fiber that overflowed its stack is caught as well.
#include "fault.h"

#include <signal.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace rnn4j_emu {
namespace {

struct sigaction g_old_segv, g_old_bus;
__thread sigjmp_buf* t_jump __attribute__((tls_model("initial-exec"))) = nullptr;
__thread void* t_address __attribute__((tls_model("initial-exec"))) = nullptr;
__thread bool t_altstack __attribute__((tls_model("initial-exec"))) = false;

void chain(const struct sigaction& old, int sig, siginfo_t* info, void* uc) {
    if (old.sa_flags & SA_SIGINFO) {
        if (old.sa_sigaction) {
            old.sa_sigaction(sig, info, uc);
            return;
        }
    } else if (old.sa_handler == SIG_IGN) {
        return;
    } else if (old.sa_handler != SIG_DFL && old.sa_handler) {
        old.sa_handler(sig);
        return;
    }
    // The default action: end the process with the signal.
    signal(sig, SIG_DFL);
    raise(sig);
}

void handler(int sig, siginfo_t* info, void* uc) {
    if (t_jump) {
        t_address = info ? info->si_addr : nullptr;
        sigjmp_buf* j = t_jump;
        t_jump = nullptr;
        siglongjmp(*j, sig);
    }
    chain(sig == SIGSEGV ? g_old_segv : g_old_bus, sig, info, uc);
}

}  // namespace

void install_fault_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa;
        std::memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = &handler;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, &g_old_segv);
        sigaction(SIGBUS, &sa, &g_old_bus);
    });
    if (!t_altstack) {
        stack_t st;
        st.ss_size = 64 * 1024;
        st.ss_sp = std::malloc(st.ss_size);
        st.ss_flags = 0;
        if (st.ss_sp && sigaltstack(&st, nullptr) == 0) t_altstack = true;
    }
}

void arm_fault_jump(sigjmp_buf* j) { t_jump = j; }

void* fault_address() { return t_address; }

}  // namespace rnn4j_emu

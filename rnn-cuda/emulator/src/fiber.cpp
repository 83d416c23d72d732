#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace rnn4j_emu {
namespace {
// Kernels are shallow (a few frames of device functions); the guard page turns an overflow into a fault.
constexpr size_t kStackBytes = 128 * 1024;
}  // namespace
}  // namespace rnn4j_emu

#if defined(__x86_64__)

// rnn4j_emu_switch(save, to): pushes the callee-saved registers, stores the stack pointer in *save, loads
// `to` and pops the same from there. The floating-point control state (MXCSR, x87 control word) is not
// switched: every fiber of the process runs with the one the thread has (kernels do not change it).
// rnn4j_emu_fiber_start is where a new fiber's first switch returns to: it calls entry(fiber) from r13, r12.
extern "C" void rnn4j_emu_switch(void** save, void* to) __attribute__((visibility("hidden")));
extern "C" void rnn4j_emu_fiber_start() __attribute__((visibility("hidden")));
asm(R"(
    .text
    .globl rnn4j_emu_switch
    .hidden rnn4j_emu_switch
    .type rnn4j_emu_switch, @function
rnn4j_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size rnn4j_emu_switch, .-rnn4j_emu_switch

    .globl rnn4j_emu_fiber_start
    .hidden rnn4j_emu_fiber_start
    .type rnn4j_emu_fiber_start, @function
rnn4j_emu_fiber_start:
    movq %r12, %rdi
    callq *%r13
    ud2
    .size rnn4j_emu_fiber_start, .-rnn4j_emu_fiber_start
)");

namespace rnn4j_emu {

void fiber_switch(void** save, void* to) { rnn4j_emu_switch(save, to); }

void prepare_save_slot(void**) {}

void FiberPool::init(Fiber* f) {
    // Seven words, popped by the first switch: r15, r14, r13 (the entry), r12 (its argument), rbx, rbp, and
    // the return address; then the stack is 16-byte aligned for the call in rnn4j_emu_fiber_start.
    uintptr_t top = (reinterpret_cast<uintptr_t>(f->base) + f->bytes) & ~static_cast<uintptr_t>(15);
    uint64_t* sp = reinterpret_cast<uint64_t*>(top) - 8;
    sp[0] = 0;
    sp = sp + 1;
    sp[0] = 0;                                                   // r15
    sp[1] = 0;                                                   // r14
    sp[2] = reinterpret_cast<uint64_t>(entry_);                  // r13: the entry
    sp[3] = reinterpret_cast<uint64_t>(f);                       // r12: its argument
    sp[4] = 0;                                                   // rbx
    sp[5] = 0;                                                   // rbp
    sp[6] = reinterpret_cast<uint64_t>(&rnn4j_emu_fiber_start);  // where the switch returns
    f->sp = sp;
}

}  // namespace rnn4j_emu

#else  // ucontext: slower (a system call per switch), for other architectures

#include <ucontext.h>

namespace rnn4j_emu {

void prepare_save_slot(void** slot) {
    if (!*slot) *slot = new ucontext_t;
}

void fiber_switch(void** save, void* to) {
    swapcontext(static_cast<ucontext_t*>(*save), static_cast<ucontext_t*>(to));
}

namespace {
void trampoline(unsigned hi, unsigned lo, unsigned ehi, unsigned elo) {
    Fiber* f = reinterpret_cast<Fiber*>((static_cast<uintptr_t>(hi) << 32) | lo);
    FiberEntry e = reinterpret_cast<FiberEntry>((static_cast<uintptr_t>(ehi) << 32) | elo);
    e(f);
    std::abort();
}
}  // namespace

void FiberPool::init(Fiber* f) {
    if (!f->ucontext) f->ucontext = new ucontext_t;
    ucontext_t* c = static_cast<ucontext_t*>(f->ucontext);
    getcontext(c);
    c->uc_stack.ss_sp = f->base;
    c->uc_stack.ss_size = f->bytes;
    c->uc_link = nullptr;
    uintptr_t p = reinterpret_cast<uintptr_t>(f);
    uintptr_t e = reinterpret_cast<uintptr_t>(entry_);
    makecontext(c, reinterpret_cast<void (*)()>(&trampoline), 4, static_cast<unsigned>(p >> 32),
                static_cast<unsigned>(p), static_cast<unsigned>(e >> 32), static_cast<unsigned>(e));
    f->sp = c;
}

}  // namespace rnn4j_emu

#endif

namespace rnn4j_emu {

FiberPool::~FiberPool() {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    for (Fiber* f : all_) {
        munmap(f->base - page, f->bytes + page);
        delete f;
    }
}

Fiber* FiberPool::acquire() {
    if (!free_.empty()) {
        Fiber* f = free_.back();
        free_.pop_back();
        return f;
    }
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* m = mmap(nullptr, kStackBytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED) {
        std::fprintf(stderr, "rnn4j-emu: out of memory for the stack of a CUDA thread\n");
        std::abort();
    }
    mprotect(m, page, PROT_NONE);  // the guard page below the stack
    Fiber* f = new Fiber;
    f->base = static_cast<unsigned char*>(m) + page;
    f->bytes = kStackBytes;
    init(f);
    all_.push_back(f);
    return f;
}

void FiberPool::reset(Fiber* f) {
    init(f);
    free_.push_back(f);
}

}  // namespace rnn4j_emu

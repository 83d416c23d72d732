// Fibers for the CUDA threads of an emulated block: a stack each (with a guard page), switched by a few
// instructions (x86-64; ucontext elsewhere). A fiber runs one CUDA thread after another: when a thread
// ends, its fiber is parked and takes the next thread that starts, so a block whose threads never wait
// needs one fiber.
#pragma once
#include <cstddef>
#include <vector>

namespace rnn4j_emu {

struct Fiber {
    void* sp = nullptr;           // the saved stack pointer (x86-64) or context
    unsigned char* base = nullptr;
    size_t bytes = 0;
    void* thread = nullptr;       // the CUDA thread it runs (blocks.cpp's ThreadState)
    void* ucontext = nullptr;     // elsewhere than x86-64
};

// Runs `entry(fiber)` on the fiber's stack the first time it is switched to.
using FiberEntry = void (*)(Fiber*);

// Saves the current context into *save and continues `to` (a fiber's saved context, or the scheduler's).
void fiber_switch(void** save, void* to);

// Makes `*slot` able to hold the scheduler's context (a no-op on x86-64, where a stack pointer is saved).
void prepare_save_slot(void** slot);

// The fibers of one OS thread.
class FiberPool {
public:
    explicit FiberPool(FiberEntry entry) : entry_(entry) {}
    ~FiberPool();
    FiberPool(const FiberPool&) = delete;
    FiberPool& operator=(const FiberPool&) = delete;

    Fiber* acquire();
    // The fiber finished its thread and waits in its loop for the next one.
    void park(Fiber* f) { free_.push_back(f); }
    // The fiber's thread was abandoned mid-kernel (a failed launch): start it afresh next time.
    void reset(Fiber* f);

private:
    void init(Fiber* f);
    FiberEntry entry_;
    std::vector<Fiber*> all_;
    std::vector<Fiber*> free_;
};

}  // namespace rnn4j_emu

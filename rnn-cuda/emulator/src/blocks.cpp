// The CUDA threads of one block as fibers on one OS thread. A thread runs until it waits (__syncthreads, a
// warp exchange, a cluster barrier) or pauses in a spin loop; then the lowest-numbered runnable thread runs,
// else the next thread that has not started. So a warp runs ahead to the next block barrier, and a block
// barrier that is missing shows up as a wrong result instead of being hidden by a lucky interleaving.
// A barrier that can never complete (threads waiting at different barriers) fails the launch at once.
#include "blocks.h"

#include <sched.h>

#include <cstdio>
#include <cstring>

#include "fault.h"
#include "fiber.h"

extern "C" {
EMU_API __thread const rnn4j_emu::Coordinates* rnn4j_emu_current __attribute__((tls_model("initial-exec"))) = nullptr;
EMU_API const rnn4j_emu::Coordinates* rnn4j_emu_self();
EMU_API void rnn4j_emu_syncthreads();
EMU_API void rnn4j_emu_syncwarp(unsigned mask);
EMU_API uint64_t rnn4j_emu_exchange(unsigned mask, uint64_t value, int src);
EMU_API unsigned rnn4j_emu_ballot(unsigned mask, int predicate);
EMU_API void rnn4j_emu_spin_pause();
EMU_API unsigned rnn4j_emu_cluster_rank();
EMU_API unsigned rnn4j_emu_cluster_size();
EMU_API void rnn4j_emu_cluster_sync();
EMU_API void* rnn4j_emu_map_shared_rank(const void* local, unsigned rank);
EMU_API void* rnn4j_emu_dynamic_shared();
[[noreturn]] EMU_API void rnn4j_emu_trap(const char* why);
}

namespace rnn4j_emu {

void LaunchState::fail(int c, const std::string& w) {
    std::lock_guard<std::mutex> g(m);
    if (code == 0) {
        code = c;
        why = w;
    }
    aborted.store(true);
}

bool ClusterState::arrive_and_wait() {
    std::unique_lock<std::mutex> g(m);
    unsigned long gen = generation;
    if (++arrived >= expected) {
        arrived = 0;
        generation++;
        cv.notify_all();
        return true;
    }
    while (gen == generation) {
        cv.wait_for(g, std::chrono::milliseconds(50));
        if (launch->aborted.load()) return false;
        if (launch->late()) {
            g.unlock();
            launch->fail(kLaunchTimeout, "a cluster barrier waited past the time limit (a block of the cluster never"
                                         " arrives)");
            return false;
        }
    }
    return true;
}

void ClusterState::drop() {
    std::lock_guard<std::mutex> g(m);
    expected--;
    if (arrived > 0 && arrived >= expected) {
        arrived = 0;
        generation++;
        cv.notify_all();
    }
}

namespace {

enum class St : uint8_t { Unstarted, Runnable, Running, Barrier, Warp, Cluster, Done };

struct Block;

struct ThreadState {
    Coordinates c;  // first: rnn4j_emu_self() returns it
    Block* b;
    unsigned index;
    St st;
    unsigned parity;  // picks the warp's slot set for this lane's next exchange
    Fiber* fiber;
};

struct WarpState {
    uint64_t slots[2][32];
    unsigned members[2] = {0, 0};  // the lanes that took part in the last exchange of each slot set
    unsigned live = 0;             // lanes that exist and have not exited
    unsigned arrived = 0;          // lanes waiting at the current warp barrier
    unsigned expected = 0;         // lanes the current warp barrier waits for
    unsigned parity = 0;           // the slot set of the current barrier's exchange
};

struct Block {
    const BlockSpec* spec;
    const KernelInfo* k;
    std::vector<ThreadState> threads;
    std::vector<WarpState> warps;
    std::vector<uint64_t> runnable;  // started threads that may run
    std::vector<unsigned> bar_waiters, cluster_waiters;
    unsigned n = 0, live = 0, next = 0, done = 0;
    unsigned bar_arrived = 0, cluster_arrived = 0;
    int after = -1;  // a spinning thread asked for the threads after it first
    bool abort = false;
    ThreadState* current = nullptr;  // the thread the scheduler switched to (or its fiber went on with)

    // Ready for a block of `count` threads (the vectors keep their memory from block to block).
    void reset(const BlockSpec* s, unsigned count) {
        spec = s;
        k = s->launch->fn->info;
        n = live = count;
        next = done = bar_arrived = cluster_arrived = 0;
        after = -1;
        abort = false;
        current = nullptr;
        if (threads.size() < count) threads.resize(count);
        warps.assign((count + 31) / 32, WarpState{});
        for (unsigned i = 0; i < count; i++) {
            threads[i].st = St::Unstarted;
            threads[i].fiber = nullptr;
            warps[i >> 5].live |= 1u << (i & 31);
        }
        runnable.assign((count + 63) / 64, 0);
        bar_waiters.clear();
        cluster_waiters.clear();
    }

    // The next thread that has not started, with its coordinates.
    ThreadState& start_next() {
        unsigned i = next++;
        const Launch& l = *spec->launch;
        ThreadState& t = threads[i];
        t.c.threadIdx = {i % l.block.x, (i / l.block.x) % l.block.y, i / (l.block.x * l.block.y)};
        t.c.blockIdx = spec->block_idx;
        t.c.blockDim = l.block;
        t.c.gridDim = l.grid;
        t.b = this;
        t.index = i;
        t.parity = 0;
        return t;
    }

    void mark(unsigned i) { runnable[i >> 6] |= 1ull << (i & 63); }
    void unmark(unsigned i) { runnable[i >> 6] &= ~(1ull << (i & 63)); }

    int lowest_from(unsigned from) const {
        for (unsigned w = from >> 6; w < runnable.size(); w++) {
            uint64_t bits = runnable[w];
            if (w == (from >> 6)) bits &= ~0ull << (from & 63);
            if (bits) return static_cast<int>(w * 64 + __builtin_ctzll(bits));
        }
        return -1;
    }

    int pick() {
        if (after >= 0) {
            int a = after;
            after = -1;
            int i = lowest_from(static_cast<unsigned>(a) + 1);
            if (i >= 0) return i;
            if (next < n) return static_cast<int>(next);
        }
        int i = lowest_from(0);
        if (i >= 0) return i;
        return next < n ? static_cast<int>(next) : -1;
    }

    bool others_runnable(unsigned self) const {
        if (next < n) return true;
        for (size_t w = 0; w < runnable.size(); w++) {
            uint64_t bits = runnable[w];
            if (w == (self >> 6)) bits &= ~(1ull << (self & 63));
            if (bits) return true;
        }
        return false;
    }

    std::string where(const ThreadState* t) const {
        char buf[200];
        std::snprintf(buf, sizeof buf, "kernel %s, block (%u,%u,%u)", k->name, spec->block_idx.x, spec->block_idx.y,
                      spec->block_idx.z);
        std::string s = buf;
        if (t) {
            std::snprintf(buf, sizeof buf, ", thread (%u,%u,%u)", t->c.threadIdx.x, t->c.threadIdx.y,
                          t->c.threadIdx.z);
            s += buf;
        }
        return s;
    }
};

// The running CUDA thread (its Coordinates are the first member of its ThreadState): read by every
// threadIdx in kernel code, so in the initial-exec TLS model (one instruction) and exported to the modules.
#define SELF (reinterpret_cast<ThreadState*>(const_cast<Coordinates*>(rnn4j_emu_current)))
__thread void* t_scheduler __attribute__((tls_model("initial-exec"))) = nullptr;

void fiber_main(Fiber* f);

// The fibers and the block state of one OS thread, made at its first block and freed when it ends.
struct PerThread {
    FiberPool pool{&fiber_main};
    Block block;
};
__thread PerThread* t_state __attribute__((tls_model("initial-exec"))) = nullptr;
struct PerThreadOwner {
    ~PerThreadOwner() {
        delete t_state;
        t_state = nullptr;
    }
};
thread_local PerThreadOwner t_owner;

PerThread& per_thread() {
    if (!t_state) {
        t_state = new PerThread;
        (void) &t_owner;  // constructs the owner, whose destructor frees the state at thread exit
    }
    return *t_state;
}

// Back to the scheduler; returns when the scheduler runs this thread again.
void yield(ThreadState* t) { fiber_switch(&t->fiber->sp, t_scheduler); }

// The launch failed: this block stops; the scheduler abandons its fibers.
[[noreturn]] void abort_block(ThreadState* t) {
    t->b->abort = true;
    fiber_switch(&t->fiber->sp, t_scheduler);
    std::abort();  // never resumed
}

ThreadState* self_or_die(const char* what) {
    ThreadState* t = SELF;
    if (!t) {
        std::fprintf(stderr, "rnn4j-emu: %s called outside a kernel\n", what);
        std::abort();
    }
    return t;
}

[[noreturn]] void trap(ThreadState* t, int code, const std::string& why) {
    t->b->spec->state->fail(code, t->b->where(t) + ": " + why);
    abort_block(t);
}

void release_barrier(Block* b) {
    b->bar_arrived = 0;
    for (unsigned i : b->bar_waiters) {
        b->threads[i].st = St::Runnable;
        b->mark(i);
    }
    b->bar_waiters.clear();
}

void release_warp(Block* b, unsigned warp) {
    WarpState& w = b->warps[warp];
    w.members[w.parity] = w.arrived;
    unsigned bits = w.arrived;
    w.arrived = 0;
    while (bits) {
        unsigned lane = static_cast<unsigned>(__builtin_ctz(bits));
        bits &= bits - 1;
        ThreadState& o = b->threads[warp * 32 + lane];
        if (o.st == St::Warp) {
            o.st = St::Runnable;
            b->mark(o.index);
        }
    }
}

void release_cluster(Block* b, ThreadState* t) {
    b->cluster_arrived = 0;
    if (!b->spec->cluster->arrive_and_wait()) abort_block(t);
    for (unsigned i : b->cluster_waiters) {
        b->threads[i].st = St::Runnable;
        b->mark(i);
    }
    b->cluster_waiters.clear();
}

// Waits for the lanes of `mask`; `parity` is the slot set the lanes wrote (their exchange's).
void warp_barrier(ThreadState* t, unsigned mask, unsigned parity) {
    Block* b = t->b;
    unsigned lane = t->index & 31;
    WarpState& w = b->warps[t->index >> 5];
    unsigned bit = 1u << lane;
    if (!(mask & bit)) trap(t, kLaunchFailed, "a warp operation whose mask leaves out the calling lane");
    if (w.arrived == 0) {
        w.expected = mask & w.live;
        w.parity = parity;
    } else if ((mask & w.live) != w.expected) {
        trap(t, kLaunchFailed, "the lanes of one warp passed different masks to a warp operation");
    }
    w.arrived |= bit;
    if ((w.arrived & w.expected) == w.expected) {
        release_warp(b, t->index >> 5);  // the caller is not waiting: it goes on
        return;
    }
    t->st = St::Warp;
    yield(t);
}

void thread_exit(ThreadState* t) {
    Block* b = t->b;
    t->st = St::Done;
    b->done++;
    b->live--;
    WarpState& w = b->warps[t->index >> 5];
    w.live &= ~(1u << (t->index & 31));
    if (w.arrived) {
        w.expected &= w.live;
        if ((w.arrived & w.expected) == w.expected) release_warp(b, t->index >> 5);
    }
    if (b->bar_arrived > 0 && b->bar_arrived >= b->live) release_barrier(b);
    if (b->cluster_arrived > 0 && b->cluster_arrived >= b->live) release_cluster(b, t);
}

// A fiber runs its thread; when the thread ends and nothing else may run first (no waiting thread was
// released), it goes straight on with the next thread that has not started, without a switch.
void fiber_main(Fiber* f) {
    for (;;) {
        ThreadState* t = static_cast<ThreadState*>(f->thread);
        Block* b = t->b;
        b->k->call(b->k->fn, b->spec->launch->args.data());
        thread_exit(t);
        if (b->next < b->n && b->after < 0 && b->lowest_from(0) < 0
            && !b->spec->state->aborted.load(std::memory_order_relaxed)) {
            t->fiber = nullptr;
            ThreadState& nt = b->start_next();
            nt.fiber = f;
            nt.st = St::Running;
            f->thread = &nt;
            b->current = &nt;
            rnn4j_emu_current = &nt.c;
            continue;
        }
        fiber_switch(&f->sp, t_scheduler);
    }
}

}  // namespace

void run_block(const BlockSpec& spec) {
    const Launch& l = *spec.launch;
    PerThread& pt = per_thread();
    Block& b = pt.block;
    b.reset(&spec, l.block.x * l.block.y * l.block.z);
    prepare_save_slot(&t_scheduler);
    install_fault_handler();
    sigjmp_buf jump;
    if (sigsetjmp(jump, 1) != 0) {
        // A CUDA thread of this block touched memory it may not: the launch fails, as on a GPU.
        char buf[160];
        std::snprintf(buf, sizeof buf, ": an illegal memory access at address %p", fault_address());
        spec.state->fail(kIllegalAddress, b.where(b.current) + buf);
        b.abort = true;
    } else {
        arm_fault_jump(&jump);
    }
    while (!b.abort) {
        if (spec.state->aborted.load(std::memory_order_relaxed)) {
            b.abort = true;
            break;
        }
        int i = b.pick();
        if (i < 0) {
            if (b.done < b.n) {
                unsigned at_bar = 0, at_warp = 0, at_cluster = 0;
                for (unsigned k = 0; k < b.next; k++) {
                    const ThreadState& t = b.threads[k];
                    at_bar += t.st == St::Barrier;
                    at_warp += t.st == St::Warp;
                    at_cluster += t.st == St::Cluster;
                }
                char buf[240];
                std::snprintf(buf, sizeof buf,
                              ": deadlock: %u threads wait at __syncthreads, %u at a warp operation and %u at a cluster"
                              " barrier, and none can go on (a barrier in divergent code?)",
                              at_bar, at_warp, at_cluster);
                spec.state->fail(kLaunchFailed, b.where(nullptr) + buf);
                b.abort = true;
            }
            break;
        }
        ThreadState* t;
        if (static_cast<unsigned>(i) == b.next) {
            t = &b.start_next();
            t->fiber = pt.pool.acquire();
            t->fiber->thread = t;
        } else {
            t = &b.threads[static_cast<unsigned>(i)];
            b.unmark(static_cast<unsigned>(i));
        }
        t->st = St::Running;
        b.current = t;
        rnn4j_emu_current = &t->c;
        fiber_switch(&t_scheduler, t->fiber->sp);
        rnn4j_emu_current = nullptr;
        ThreadState* now = b.current;  // the fiber may have gone on with later threads
        if (now->st == St::Done) {
            pt.pool.park(now->fiber);
            now->fiber = nullptr;
        }
    }
    arm_fault_jump(nullptr);
    rnn4j_emu_current = nullptr;
    if (b.abort) {
        for (unsigned k = 0; k < b.next; k++) {
            ThreadState& t = b.threads[k];
            if (t.fiber) pt.pool.reset(t.fiber);
            t.fiber = nullptr;
        }
    }
    if (spec.cluster) spec.cluster->drop();
}

}  // namespace rnn4j_emu

using namespace rnn4j_emu;

extern "C" {

const Coordinates* rnn4j_emu_self() { return &self_or_die("threadIdx")->c; }  // for callers outside device.h

void rnn4j_emu_syncthreads() {
    ThreadState* t = self_or_die("__syncthreads");
    Block* b = t->b;
    if (++b->bar_arrived >= b->live) {
        release_barrier(b);
        return;
    }
    b->bar_waiters.push_back(t->index);
    t->st = St::Barrier;
    yield(t);
}

void rnn4j_emu_syncwarp(unsigned mask) {
    ThreadState* t = self_or_die("__syncwarp");
    unsigned p = t->parity;
    t->parity ^= 1u;
    warp_barrier(t, mask, p);
}

uint64_t rnn4j_emu_exchange(unsigned mask, uint64_t value, int src) {
    ThreadState* t = self_or_die("a warp shuffle");
    WarpState& w = t->b->warps[t->index >> 5];
    unsigned p = t->parity;
    t->parity ^= 1u;
    w.slots[p][t->index & 31] = value;
    warp_barrier(t, mask, p);
    if (src < 0 || src > 31 || !((w.members[p] >> src) & 1u)) return value;
    return w.slots[p][src];
}

unsigned rnn4j_emu_ballot(unsigned mask, int predicate) {
    ThreadState* t = self_or_die("a warp vote");
    WarpState& w = t->b->warps[t->index >> 5];
    unsigned p = t->parity;
    t->parity ^= 1u;
    w.slots[p][t->index & 31] = predicate != 0;
    warp_barrier(t, mask, p);
    unsigned out = 0;
    for (unsigned l = 0; l < 32; l++) {
        if (((w.members[p] >> l) & 1u) && w.slots[p][l]) out |= 1u << l;
    }
    return out;
}

void rnn4j_emu_spin_pause() {
    ThreadState* t = self_or_die("a spin pause");
    Block* b = t->b;
    LaunchState* s = b->spec->state;
    if (s->aborted.load(std::memory_order_relaxed)) abort_block(t);
    if (s->late()) trap(t, kLaunchTimeout, "spun past the time limit (a grid barrier whose blocks are not all running?)");
    if (b->others_runnable(t->index)) {
        t->st = St::Runnable;
        b->mark(t->index);
        b->after = static_cast<int>(t->index);
        yield(t);
    } else {
        sched_yield();
    }
}

unsigned rnn4j_emu_cluster_rank() {
    ThreadState* t = self_or_die("the cluster rank");
    return t->b->spec->cluster ? t->b->spec->rank : 0u;
}

unsigned rnn4j_emu_cluster_size() {
    ThreadState* t = self_or_die("the cluster size");
    return t->b->spec->cluster ? static_cast<unsigned>(t->b->spec->cluster->shared.size()) : 1u;
}

void rnn4j_emu_cluster_sync() {
    ThreadState* t = self_or_die("a cluster barrier");
    Block* b = t->b;
    if (!b->spec->cluster) {
        rnn4j_emu_syncthreads();
        return;
    }
    if (++b->cluster_arrived >= b->live) {
        release_cluster(b, t);
        return;
    }
    b->cluster_waiters.push_back(t->index);
    t->st = St::Cluster;
    yield(t);
}

void* rnn4j_emu_map_shared_rank(const void* local, unsigned rank) {
    ThreadState* t = self_or_die("a distributed shared memory address");
    const BlockSpec* s = t->b->spec;
    if (!s->cluster) trap(t, kLaunchFailed, "distributed shared memory used outside a cluster launch");
    const unsigned char* p = static_cast<const unsigned char*>(local);
    if (p < s->shared || p >= s->shared + s->launch->shared_bytes) {
        trap(t, kIllegalAddress, "a distributed shared memory address outside the block's dynamic shared memory");
    }
    if (rank >= s->cluster->shared.size()) trap(t, kIllegalAddress, "a cluster rank outside the cluster");
    return s->cluster->shared[rank] + (p - s->shared);
}

void* rnn4j_emu_dynamic_shared() { return self_or_die("dynamic shared memory")->b->spec->shared; }

void rnn4j_emu_trap(const char* why) { trap(self_or_die("a trap"), kLaunchFailed, why); }

}  // extern "C"

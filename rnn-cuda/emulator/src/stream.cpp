// Streams, stream capture and graphs. A stream is an in-order queue run by its own worker thread. The
// worker starts on what is queued only when the host waits for the stream (or the device), or when many
// operations are queued: host code that reads a result before waiting for it reads what was there before,
// every time, instead of racing. A failed operation poisons the context (as a fault does on a GPU); later
// operations are dropped and every call returns the error. After each wait the red zones of every device
// allocation are checked, so a kernel that wrote past its buffer fails the wait.
//
// Capture follows CUDA: operations queued on a capturing stream are recorded (kernel arguments and cuBLAS
// scalars by value, copies by address) instead of run; waiting on a capturing stream, or an unsafe call
// (cudaMalloc and the like) from the capturing thread (any thread in global mode), invalidates the capture;
// work on the legacy default stream while a blocking stream captures invalidates that capture
// (cudaErrorStreamCaptureImplicit), since the legacy stream would have to wait for it.
#include <algorithm>
#include <cstdlib>

#include "emu.h"

namespace rnn4j_emu {
namespace {

constexpr size_t kQueueLimit = 4096;

bool eager() {
    static const bool e = [] {
        const char* v = std::getenv("RNN4J_EMU_EAGER");
        return v && *v == '1';
    }();
    return e;
}

std::mutex g_streams;  // guards the contexts' stream lists and capture states

void worker(Stream* s) {
    std::unique_lock<std::mutex> g(s->m);
    for (;;) {
        s->cv.wait(g, [s] { return s->stop || (s->kicked && !s->queue.empty()); });
        if (s->queue.empty() && s->stop) return;
        std::shared_ptr<Op> op = s->queue.front();
        s->queue.pop_front();
        s->running = true;
        g.unlock();
        int rc = s->ctx->sticky.load();
        if (rc == 0) {
            std::string why;
            rc = (*op)(why);
            if (rc) poison(s->ctx, rc, why.empty() ? std::string("an operation on a stream failed") : why);
        }
        g.lock();
        s->running = false;
        if (s->queue.empty()) {
            s->kicked = false;
            s->cv.notify_all();
        }
    }
}

Stream* start(Context* c, bool blocking, bool legacy) {
    Stream* s = new Stream;
    s->ctx = c;
    s->blocking = blocking;
    s->legacy = legacy;
    s->worker = std::thread(worker, s);
    return s;
}

// Waits until the stream has run everything queued (the caller does not hold g_streams).
void drain(Stream* s) {
    std::unique_lock<std::mutex> g(s->m);
    if (s->queue.empty() && !s->running) return;
    s->kicked = true;
    s->cv.notify_all();
    s->cv.wait(g, [s] { return s->queue.empty() && !s->running; });
}

int after_wait(Context* c) {
    std::string where;
    if (check_red_zones(c, &where)) poison(c, kIllegalAddress, where);
    return c->sticky.load();
}

void invalidate(Stream* s) {
    if (s->capturing) s->capture_invalid = true;
}

}  // namespace

Stream* resolve_stream(void* handle) {
    uintptr_t h = reinterpret_cast<uintptr_t>(handle);
    if (h == 0 || h == 1 || h == 2) {
        Context* c = current_context();
        if (!c) return nullptr;
        std::lock_guard<std::mutex> g(g_streams);
        if (!c->legacy) c->legacy = start(c, true, true);
        return c->legacy;
    }
    return static_cast<Stream*>(handle);
}

int stream_create(Context* c, Stream** out, bool blocking) {
    if (!out) return kInvalidValue;
    Stream* s = start(c, blocking, false);
    std::lock_guard<std::mutex> g(g_streams);
    c->streams.push_back(s);
    *out = s;
    return kSuccess;
}

int stream_destroy(Stream* s) {
    if (!s || s->legacy) return kInvalidHandle;
    drain(s);
    {
        std::lock_guard<std::mutex> g(g_streams);
        auto& v = s->ctx->streams;
        v.erase(std::remove(v.begin(), v.end(), s), v.end());
        if (s->capturing) {
            delete s->capturing;
            s->capturing = nullptr;
        }
    }
    {
        std::lock_guard<std::mutex> g(s->m);
        s->stop = true;
        s->cv.notify_all();
    }
    s->worker.join();
    delete s;
    return kSuccess;
}

int stream_enqueue(Stream* s, Op op) {
    std::vector<Stream*> wait_for;
    {
        std::lock_guard<std::mutex> g(g_streams);
        if (s->capturing) {
            if (s->capture_invalid) return kCaptureInvalidated;
            s->capturing->ops.push_back(std::make_shared<Op>(std::move(op)));
            return kSuccess;
        }
        if (s->legacy) {
            // The legacy stream waits for every blocking stream: impossible while one of them captures.
            int rc = kSuccess;
            for (Stream* o : s->ctx->streams) {
                if (o->blocking && o->capturing) {
                    o->capture_invalid = true;
                    rc = kCaptureImplicit;
                }
            }
            if (rc) return rc;
            for (Stream* o : s->ctx->streams) {
                if (o->blocking) wait_for.push_back(o);
            }
        } else if (s->blocking && s->ctx->legacy) {
            wait_for.push_back(s->ctx->legacy);
        }
    }
    for (Stream* o : wait_for) drain(o);
    std::lock_guard<std::mutex> g(s->m);
    s->queue.push_back(std::make_shared<Op>(std::move(op)));
    if (eager() || s->queue.size() >= kQueueLimit) {
        s->kicked = true;
        s->cv.notify_all();
    }
    return kSuccess;
}

int stream_synchronize(Stream* s) {
    {
        std::lock_guard<std::mutex> g(g_streams);
        if (s->capturing) {
            invalidate(s);
            return kCaptureUnsupported;
        }
    }
    drain(s);
    return after_wait(s->ctx);
}

int device_synchronize(Context* c) {
    std::vector<Stream*> all;
    {
        std::lock_guard<std::mutex> g(g_streams);
        for (Stream* s : c->streams) {
            if (s->capturing) {
                invalidate(s);
                return kCaptureUnsupported;
            }
        }
        all = c->streams;
        if (c->legacy) all.push_back(c->legacy);
    }
    for (Stream* s : all) drain(s);
    return after_wait(c);
}

int device_drain(Context* c) {
    std::vector<Stream*> all;
    {
        std::lock_guard<std::mutex> g(g_streams);
        for (Stream* s : c->streams) {
            if (!s->capturing) all.push_back(s);
        }
        if (c->legacy) all.push_back(c->legacy);
    }
    for (Stream* s : all) drain(s);
    return after_wait(c);
}

int capture_check_unsafe_call() {
    Context* c = current_context();
    if (!c) return kSuccess;
    std::lock_guard<std::mutex> g(g_streams);
    int rc = kSuccess;
    for (Stream* s : c->streams) {
        if (!s->capturing) continue;
        bool applies = s->capture_mode == 0 || (s->capture_mode == 1 && s->capture_thread == std::this_thread::get_id());
        if (applies) {
            invalidate(s);
            rc = kCaptureUnsupported;
        }
    }
    return rc;
}

int begin_capture(Stream* s, int mode) {
    if (mode < 0 || mode > 2) return kInvalidValue;
    std::lock_guard<std::mutex> g(g_streams);
    if (s->legacy) return kCaptureUnsupported;
    if (s->capturing) return kCaptureUnsupported;
    s->capturing = new Graph;
    s->capture_invalid = false;
    s->capture_mode = mode;
    s->capture_thread = std::this_thread::get_id();
    return kSuccess;
}

int end_capture(Stream* s, Graph** out) {
    if (!out) return kInvalidValue;
    std::lock_guard<std::mutex> g(g_streams);
    if (!s->capturing) return kCaptureUnmatched;
    if (s->capture_mode != 2 && s->capture_thread != std::this_thread::get_id()) return kCaptureWrongThread;
    Graph* graph = s->capturing;
    bool invalid = s->capture_invalid;
    s->capturing = nullptr;
    s->capture_invalid = false;
    s->capture_mode = -1;
    if (invalid) {
        delete graph;
        *out = nullptr;
        return kCaptureInvalidated;
    }
    *out = graph;
    return kSuccess;
}

int capture_status(Stream* s, int* status) {
    std::lock_guard<std::mutex> g(g_streams);
    *status = !s->capturing ? 0 : s->capture_invalid ? 2 : 1;
    return kSuccess;
}

int graph_launch(const Graph* g, Stream* s) {
    std::vector<std::shared_ptr<Op>> ops = g->ops;
    return stream_enqueue(s, [ops](std::string& why) {
        for (const auto& op : ops) {
            int rc = (*op)(why);
            if (rc) return rc;
        }
        return static_cast<int>(kSuccess);
    });
}

}  // namespace rnn4j_emu

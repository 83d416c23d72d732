// libcudart.so.13 of the emulated device: the CUDA runtime calls rnn4j makes, with CUDA's documented
// meaning (devices and attributes, memory, pinned and mapped host memory, 2D copies, memset, streams,
// stream capture and graphs, errors). Every call binds the current device's primary context to the
// calling thread, as the CUDA runtime does, and returns the context's sticky error after a fault.
#include <cstring>

#include "emu.h"

using namespace rnn4j_emu;

namespace {

thread_local int t_last_error = 0;

int ret(int rc) {
    if (rc) t_last_error = rc;
    return rc;
}

// The runtime's entry: the context for this thread, and its sticky error.
#define ENTER()                          \
    do {                                 \
        int sticky_ = runtime_enter();   \
        if (sticky_) return ret(sticky_); \
    } while (0)

enum Kind { kH2H = 0, kH2D = 1, kD2H = 2, kD2D = 3, kDefault = 4 };

// [p, p + (rows − 1)·pitch + width) as one range.
size_t extent(size_t pitch, size_t width, size_t rows) { return rows == 0 ? 0 : (rows - 1) * pitch + width; }

int copy2d(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height, int kind,
           void* stream_handle) {
    ENTER();
    if (height == 0 || width == 0) return kSuccess;
    if (!dst || !src) return ret(kInvalidValue);
    if (width > dpitch || width > spitch) return ret(kInvalidPitch);
    size_t dbytes = extent(dpitch, width, height), sbytes = extent(spitch, width, height);
    if (kind == kDefault) {
        kind = (device_range(src, 1) ? 2 : 0) | (device_range(dst, 1) ? 1 : 0);
        kind = kind == 3 ? kD2D : kind == 2 ? kD2H : kind == 1 ? kH2D : kH2H;
    }
    if (kind < kH2H || kind > kD2D) return ret(kInvalidMemcpyDirection);
    bool src_dev = kind == kD2H || kind == kD2D, dst_dev = kind == kH2D || kind == kD2D;
    if ((src_dev && !device_range(src, sbytes)) || (dst_dev && !device_range(dst, dbytes))) {
        return ret(kInvalidValue);
    }
    Stream* s = resolve_stream(stream_handle);
    if (!s) return ret(kInvalidHandle);
    auto copy = [=](const void* from) {
        for (size_t r = 0; r < height; r++) {
            std::memcpy(static_cast<unsigned char*>(dst) + r * dpitch, static_cast<const unsigned char*>(from) + r * spitch,
                        width);
        }
    };
    bool host_src = !src_dev, host_dst = !dst_dev;
    bool pinned = (!host_src || is_pinned(src, sbytes)) && (!host_dst || is_pinned(dst, dbytes));
    if (pinned) {
        // Read and written when the stream gets there (DMA from and to page-locked memory).
        return ret(stream_enqueue(s, [=](std::string&) {
            copy(src);
            return static_cast<int>(kSuccess);
        }));
    }
    int status = 0;
    capture_status(s, &status);
    if (status) return ret(kCaptureUnsupported);  // pageable memory cannot be part of a graph
    if (host_src) {
        // From pageable memory: the values are taken now, the copy lands in stream order.
        std::vector<unsigned char> snapshot(sbytes);
        std::memcpy(snapshot.data(), src, sbytes);
        int rc = stream_enqueue(s, [=, snap = std::move(snapshot)](std::string&) {
            copy(snap.data());
            return static_cast<int>(kSuccess);
        });
        if (rc || host_dst) return ret(rc ? rc : stream_synchronize(s));
        return kSuccess;
    }
    // To pageable memory: synchronous.
    int rc = stream_enqueue(s, [=](std::string&) {
        copy(src);
        return static_cast<int>(kSuccess);
    });
    return ret(rc ? rc : stream_synchronize(s));
}

}  // namespace

extern "C" {

EMU_API int cudaDriverGetVersion(int* v) {
    if (!v) return ret(kInvalidValue);
    *v = 13000;
    return kSuccess;
}

EMU_API int cudaRuntimeGetVersion(int* v) {
    if (!v) return ret(kInvalidValue);
    *v = 13000;
    return kSuccess;
}

EMU_API int cudaGetDeviceCount(int* n) {
    if (!n) return ret(kInvalidValue);
    *n = device_count();
    return *n > 0 ? kSuccess : ret(kNoDevice);
}

EMU_API int cudaSetDevice(int d) {
    Context* c = context(d);
    if (!c) return ret(kInvalidDevice);
    set_current(c);
    return c->sticky.load() ? ret(c->sticky.load()) : kSuccess;
}

EMU_API int cudaGetDevice(int* d) {
    if (!d) return ret(kInvalidValue);
    *d = current_device();
    return kSuccess;
}

EMU_API int cudaDeviceGetAttribute(int* value, int attr, int dev) {
    if (!value) return ret(kInvalidValue);
    return ret(device_attribute(attr, dev, value));
}

EMU_API int cudaDeviceSynchronize() {
    ENTER();
    return ret(device_synchronize(current_context()));
}

EMU_API int cudaMalloc(void** p, size_t bytes) {
    ENTER();
    if (int rc = capture_check_unsafe_call()) return ret(rc);
    return ret(device_malloc(current_context(), p, bytes));
}

// Frees after waiting for the device, as cudaFree does (queued work may still use the memory).
EMU_API int cudaFree(void* p) {
    ENTER();
    if (!p) return kSuccess;
    if (int rc = capture_check_unsafe_call()) return ret(rc);
    int rc = device_drain(current_context());
    if (rc) return ret(rc);
    rc = device_free(p);
    if (rc == kIllegalAddress) poison(current_context(), rc, "a red zone of a freed device allocation was overwritten");
    return ret(rc);
}

EMU_API int cudaMallocHost(void** p, size_t bytes) {
    ENTER();
    if (int rc = capture_check_unsafe_call()) return ret(rc);
    return ret(host_malloc(p, bytes, 0));
}

EMU_API int cudaHostAlloc(void** p, size_t bytes, unsigned flags) {
    ENTER();
    if (int rc = capture_check_unsafe_call()) return ret(rc);
    return ret(host_malloc(p, bytes, flags));
}

EMU_API int cudaFreeHost(void* p) {
    ENTER();
    if (int rc = capture_check_unsafe_call()) return ret(rc);
    int rc = device_drain(current_context());
    if (rc) return ret(rc);
    return ret(host_free(p));
}

EMU_API int cudaHostGetDevicePointer(void** dev, void* host, unsigned flags) {
    ENTER();
    if (!dev || flags != 0 || !host_mapped(host)) return ret(kInvalidValue);
    *dev = host;  // unified addressing
    return kSuccess;
}

EMU_API int cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                              int kind, void* stream) {
    return copy2d(dst, dpitch, src, spitch, width, height, kind, stream);
}

EMU_API int cudaMemcpyAsync(void* dst, const void* src, size_t count, int kind, void* stream) {
    return copy2d(dst, count, src, count, count, 1, kind, stream);
}

EMU_API int cudaMemcpy2D(void* dst, size_t dpitch, const void* src, size_t spitch, size_t width, size_t height,
                         int kind) {
    int rc = copy2d(dst, dpitch, src, spitch, width, height, kind, nullptr);
    return rc ? rc : ret(stream_synchronize(resolve_stream(nullptr)));
}

EMU_API int cudaMemcpy(void* dst, const void* src, size_t count, int kind) {
    return cudaMemcpy2D(dst, count, src, count, count, 1, kind);
}

EMU_API int cudaMemsetAsync(void* p, int value, size_t count, void* stream) {
    ENTER();
    if (count == 0) return kSuccess;
    if (!device_range(p, count)) return ret(kInvalidValue);
    Stream* s = resolve_stream(stream);
    if (!s) return ret(kInvalidHandle);
    return ret(stream_enqueue(s, [=](std::string&) {
        std::memset(p, value & 0xff, count);
        return static_cast<int>(kSuccess);
    }));
}

EMU_API int cudaMemset(void* p, int value, size_t count) {
    int rc = cudaMemsetAsync(p, value, count, nullptr);
    return rc ? rc : ret(stream_synchronize(resolve_stream(nullptr)));
}

EMU_API int cudaStreamCreateWithFlags(void** s, unsigned flags) {
    ENTER();
    if (flags > 1) return ret(kInvalidValue);
    return ret(stream_create(current_context(), reinterpret_cast<Stream**>(s), (flags & 1u) == 0));
}

EMU_API int cudaStreamCreate(void** s) { return cudaStreamCreateWithFlags(s, 0); }

EMU_API int cudaStreamDestroy(void* s) {
    ENTER();
    return ret(stream_destroy(static_cast<Stream*>(s)));
}

EMU_API int cudaStreamSynchronize(void* s) {
    ENTER();
    Stream* st = resolve_stream(s);
    return st ? ret(stream_synchronize(st)) : ret(kInvalidHandle);
}

EMU_API int cudaStreamQuery(void* s) {
    ENTER();
    Stream* st = resolve_stream(s);
    if (!st) return ret(kInvalidHandle);
    std::lock_guard<std::mutex> g(st->m);
    return st->queue.empty() && !st->running ? kSuccess : kNotReady;
}

EMU_API int cudaStreamBeginCapture(void* s, int mode) {
    ENTER();
    Stream* st = resolve_stream(s);
    return st ? ret(begin_capture(st, mode)) : ret(kInvalidHandle);
}

EMU_API int cudaStreamEndCapture(void* s, void** graph) {
    ENTER();
    Stream* st = resolve_stream(s);
    return st ? ret(end_capture(st, reinterpret_cast<Graph**>(graph))) : ret(kInvalidHandle);
}

EMU_API int cudaStreamIsCapturing(void* s, int* status) {
    ENTER();
    Stream* st = resolve_stream(s);
    if (!st || !status) return ret(kInvalidValue);
    return capture_status(st, status);
}

EMU_API int cudaGraphInstantiate(void** exec, void* graph, unsigned long long flags) {
    ENTER();
    if (!exec || !graph || flags != 0) return ret(kInvalidValue);
    *exec = new Graph(*static_cast<Graph*>(graph));  // the executable graph: the same operations
    return kSuccess;
}

EMU_API int cudaGraphLaunch(void* exec, void* s) {
    ENTER();
    Stream* st = resolve_stream(s);
    if (!exec || !st) return ret(kInvalidValue);
    return ret(graph_launch(static_cast<Graph*>(exec), st));
}

EMU_API int cudaGraphExecDestroy(void* exec) {
    ENTER();
    delete static_cast<Graph*>(exec);
    return kSuccess;
}

EMU_API int cudaGraphDestroy(void* graph) {
    ENTER();
    delete static_cast<Graph*>(graph);
    return kSuccess;
}

EMU_API int cudaGetLastError() {
    int e = t_last_error;
    t_last_error = 0;
    return e;
}

EMU_API int cudaPeekAtLastError() { return t_last_error; }

EMU_API const char* cudaGetErrorString(int e) { return error_text(e); }

EMU_API const char* cudaGetErrorName(int e) { return error_name(e); }

}  // extern "C"

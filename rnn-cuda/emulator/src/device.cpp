// Emulated devices, their primary contexts, device and pinned host memory, and error names.
// The device answers like a small GPU: RNN4J_EMU_SMS multiprocessors (4 unless set), compute capability
// RNN4J_EMU_CC (90 unless set; 80 is the other one tested), RNN4J_EMU_DEVICES devices (1 unless set),
// RNN4J_EMU_MEMORY_MB of memory (4096 unless set), with the shared-memory and thread limits of the real
// architecture, so that plans, co-residency checks and fallbacks meet the same numbers as on a GPU.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "emu.h"

namespace rnn4j_emu {
namespace {

int env_int(const char* name, int dflt) {
    const char* v = std::getenv(name);
    if (!v || !*v) return dflt;
    int x = std::atoi(v);
    return x > 0 ? x : dflt;
}

struct Devices {
    std::vector<Device> list;
    std::vector<std::unique_ptr<Context>> contexts;
    Devices() {
        int n = env_int("RNN4J_EMU_DEVICES", 1);
        int cc = env_int("RNN4J_EMU_CC", 90);
        int sms = env_int("RNN4J_EMU_SMS", 4);
        size_t mem = static_cast<size_t>(env_int("RNN4J_EMU_MEMORY_MB", 4096)) << 20;
        for (int i = 0; i < n; i++) {
            Device d{};
            d.index = i;
            d.cc_major = cc / 10;
            d.cc_minor = cc % 10;
            d.sms = sms;
            d.shared_per_block = 48 * 1024;
            d.shared_optin = cc >= 90 ? 232448 : cc >= 80 ? 166912 : 101376;
            d.shared_per_sm = cc >= 90 ? 233472 : cc >= 80 ? 167936 : 102400;
            d.max_threads_per_sm = cc >= 90 || cc == 80 ? 2048 : 1536;
            d.max_blocks_per_sm = cc >= 90 ? 32 : cc >= 80 ? 32 : 16;
            d.memory_bytes = mem;
            list.push_back(d);
        }
        for (const Device& d : list) {
            contexts.emplace_back(new Context);
            contexts.back()->dev = &d;
        }
    }
};

Devices& devices() {
    static Devices* d = new Devices;  // lives as long as the process: worker threads may outlive statics
    return *d;
}

thread_local Context* t_current = nullptr;
thread_local int t_device = 0;

// ------------------------------------------------------------------ memory

constexpr size_t kRed = 64;              // red zone bytes on each side of a device allocation
constexpr unsigned char kRedByte = 0xa5;

struct Alloc {
    unsigned char* base;  // what malloc returned
    size_t bytes;         // asked for
    size_t span;          // bytes after the pointer up to the end of the trailing red zone
    bool device;
    bool mapped;
    Context* ctx;
};

std::mutex g_mem;
std::map<uintptr_t, Alloc> g_allocs;  // by the address handed out
size_t g_device_bytes = 0;

bool red_ok(const Alloc& a, uintptr_t p) {
    const unsigned char* lo = a.base;
    const unsigned char* hi = reinterpret_cast<const unsigned char*>(p) + a.bytes;
    for (size_t i = 0; i < kRed; i++) {
        if (lo[i] != kRedByte) return false;
    }
    size_t tail = a.span - a.bytes;
    for (size_t i = 0; i < tail; i++) {
        if (hi[i] != kRedByte) return false;
    }
    return true;
}

const Alloc* find(const void* p, size_t bytes) {
    uintptr_t a = reinterpret_cast<uintptr_t>(p);
    auto it = g_allocs.upper_bound(a);
    if (it == g_allocs.begin()) return nullptr;
    --it;
    if (a < it->first || a + bytes > it->first + it->second.bytes || a + bytes < a) return nullptr;
    return &it->second;
}

}  // namespace

void note(const std::string& what) { std::fprintf(stderr, "rnn4j-emu: %s\n", what.c_str()); }

int device_count() { return static_cast<int>(devices().list.size()); }

const Device* device(int index) {
    Devices& d = devices();
    return index >= 0 && index < static_cast<int>(d.list.size()) ? &d.list[static_cast<size_t>(index)] : nullptr;
}

int device_attribute(int attr, int index, int* out) {
    const Device* d = device(index);
    if (!d) return kInvalidDevice;
    int v;
    switch (attr) {
        case 1: v = 1024; break;                    // max threads per block
        case 2: case 3: v = 1024; break;            // max block dims x, y
        case 4: v = 64; break;                      // max block dim z
        case 5: v = 0x7fffffff; break;              // max grid dim x
        case 6: case 7: v = 65535; break;           // max grid dims y, z
        case 8: v = d->shared_per_block; break;     // shared memory per block
        case 9: v = 65536; break;                   // constant memory
        case 10: v = 32; break;                     // warp size
        case 12: v = 65536; break;                  // registers per block
        case 13: v = 1500000; break;                // clock (kHz)
        case 16: v = d->sms; break;                 // multiprocessors
        case 18: v = 0; break;                      // integrated
        case 19: v = 1; break;                      // can map host memory
        case 20: v = 0; break;                      // compute mode default
        case 31: v = 1; break;                      // concurrent kernels
        case 36: v = 1000000; break;                // memory clock (kHz)
        case 37: v = 256; break;                    // bus width
        case 38: v = 4 << 20; break;                // L2
        case 39: v = d->max_threads_per_sm; break;  // threads per multiprocessor
        case 41: v = 1; break;                      // unified addressing
        case 75: v = d->cc_major; break;
        case 76: v = d->cc_minor; break;
        case 81: v = d->shared_per_sm; break;
        case 95: v = 1; break;                      // cooperative launch
        case 97: v = d->shared_optin; break;
        case 106: v = d->max_blocks_per_sm; break;
        case 120: v = d->cc_major >= 9; break;      // cluster launch
        default: return kInvalidValue;
    }
    *out = v;
    return kSuccess;
}

Context* context(int index) {
    Devices& d = devices();
    return index >= 0 && index < static_cast<int>(d.contexts.size()) ? d.contexts[static_cast<size_t>(index)].get()
                                                                       : nullptr;
}

Context* current_context() { return t_current; }

void set_current(Context* c) {
    t_current = c;
    if (c) t_device = c->dev->index;
}

int current_device() { return t_device; }

int runtime_enter() {
    if (!t_current) t_current = context(t_device);
    return t_current ? t_current->sticky.load() : kNoDevice;
}

void poison(Context* c, int code, const std::string& why) {
    std::lock_guard<std::mutex> g(c->mutex);
    if (c->sticky.load() == 0) {
        c->sticky_message = why;
        c->sticky.store(code);
        note("device " + std::to_string(c->dev->index) + " failed (" + error_name(code) + "): " + why
             + "; every later call on this context returns this error");
    }
}

int device_malloc(Context* c, void** out, size_t bytes) {
    if (!out) return kInvalidValue;
    if (bytes == 0) {
        *out = nullptr;
        return kSuccess;
    }
    size_t span = (bytes + 255) / 256 * 256 + kRed;  // the data rounded up, then the trailing red zone
    std::lock_guard<std::mutex> g(g_mem);
    if (g_device_bytes + bytes > c->dev->memory_bytes) return kOutOfMemory;
    unsigned char* raw = static_cast<unsigned char*>(std::aligned_alloc(256, 256 + (span + 255) / 256 * 256));
    if (!raw) return kOutOfMemory;
    // The pointer is 256-byte aligned, as cudaMalloc's; the leading red zone sits just before it.
    unsigned char* p = raw + 256;
    unsigned char* lead = p - kRed;
    std::memset(lead, kRedByte, kRed);
    std::memset(p, 0xff, bytes);
    std::memset(p + bytes, kRedByte, span - bytes);
    g_allocs[reinterpret_cast<uintptr_t>(p)] = Alloc{lead, bytes, span, true, false, c};
    g_device_bytes += bytes;
    *out = p;
    return kSuccess;
}

int device_free(void* p) {
    if (!p) return kSuccess;
    std::lock_guard<std::mutex> g(g_mem);
    auto it = g_allocs.find(reinterpret_cast<uintptr_t>(p));
    if (it == g_allocs.end() || !it->second.device) return kInvalidValue;
    Alloc a = it->second;
    g_allocs.erase(it);
    g_device_bytes -= a.bytes;
    int rc = kSuccess;
    if (!red_ok(a, reinterpret_cast<uintptr_t>(p))) {
        note("a kernel or copy wrote outside the device allocation of " + std::to_string(a.bytes) + " bytes at "
             + std::to_string(reinterpret_cast<uintptr_t>(p)) + " (found when it was freed)");
        rc = kIllegalAddress;
    }
    std::free(a.base + kRed - 256);
    return rc;
}

int host_malloc(void** out, size_t bytes, unsigned flags) {
    if (!out) return kInvalidValue;
    size_t n = bytes ? (bytes + 255) / 256 * 256 : 256;
    void* p = std::aligned_alloc(256, n);
    if (!p) return kOutOfMemory;
    std::lock_guard<std::mutex> g(g_mem);
    g_allocs[reinterpret_cast<uintptr_t>(p)] =
        Alloc{static_cast<unsigned char*>(p), bytes, bytes, false, (flags & 2u) != 0, nullptr};
    *out = p;
    return kSuccess;
}

int host_free(void* p) {
    if (!p) return kSuccess;
    std::lock_guard<std::mutex> g(g_mem);
    auto it = g_allocs.find(reinterpret_cast<uintptr_t>(p));
    if (it == g_allocs.end() || it->second.device) return kInvalidValue;
    g_allocs.erase(it);
    std::free(p);
    return kSuccess;
}

bool is_pinned(const void* p, size_t bytes) {
    std::lock_guard<std::mutex> g(g_mem);
    const Alloc* a = find(p, bytes);
    return a && !a->device;
}

bool host_mapped(const void* p) {
    std::lock_guard<std::mutex> g(g_mem);
    const Alloc* a = find(p, 1);
    return a && !a->device && a->mapped;
}

bool device_range(const void* p, size_t bytes) {
    std::lock_guard<std::mutex> g(g_mem);
    const Alloc* a = find(p, bytes);
    return a && (a->device || a->mapped);
}

bool device_pointer(const void* p) {
    std::lock_guard<std::mutex> g(g_mem);
    const Alloc* a = find(p, 1);
    return a && a->device;
}

int check_red_zones(Context* c, std::string* where) {
    std::lock_guard<std::mutex> g(g_mem);
    for (const auto& [addr, a] : g_allocs) {
        if (a.device && a.ctx == c && !red_ok(a, addr)) {
            if (where) {
                *where = "a kernel or copy wrote outside the device allocation of " + std::to_string(a.bytes)
                         + " bytes at " + std::to_string(addr);
            }
            return kIllegalAddress;
        }
    }
    return kSuccess;
}

// ------------------------------------------------------------------ errors

const char* error_name(int code) {
    switch (code) {
        case kSuccess: return "cudaSuccess";
        case kInvalidValue: return "cudaErrorInvalidValue";
        case kOutOfMemory: return "cudaErrorMemoryAllocation";
        case kNotInitialized: return "cudaErrorInitializationError";
        case kInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case kInvalidPitch: return "cudaErrorInvalidPitchValue";
        case kInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
        case kInsufficientDriver: return "cudaErrorInsufficientDriver";
        case kNoDevice: return "cudaErrorNoDevice";
        case kInvalidDevice: return "cudaErrorInvalidDevice";
        case kInvalidImage: return "CUDA_ERROR_INVALID_IMAGE";
        case kInvalidContext: return "CUDA_ERROR_INVALID_CONTEXT";
        case kNoBinaryForGpu: return "cudaErrorNoKernelImageForDevice";
        case kInvalidHandle: return "cudaErrorInvalidResourceHandle";
        case kNotFound: return "CUDA_ERROR_NOT_FOUND";
        case kNotReady: return "cudaErrorNotReady";
        case kIllegalAddress: return "cudaErrorIllegalAddress";
        case kLaunchOutOfResources: return "cudaErrorLaunchOutOfResources";
        case kLaunchTimeout: return "cudaErrorLaunchTimeout";
        case kLaunchFailed: return "cudaErrorLaunchFailure";
        case kCooperativeLaunchTooLarge: return "cudaErrorCooperativeLaunchTooLarge";
        case kNotSupported: return "cudaErrorNotSupported";
        case kCaptureUnsupported: return "cudaErrorStreamCaptureUnsupported";
        case kCaptureInvalidated: return "cudaErrorStreamCaptureInvalidated";
        case kCaptureUnmatched: return "cudaErrorStreamCaptureUnmatched";
        case kCaptureImplicit: return "cudaErrorStreamCaptureImplicit";
        case kCaptureWrongThread: return "cudaErrorStreamCaptureWrongThread";
        case kInvalidClusterSize: return "cudaErrorInvalidClusterSize";
        default: return "cudaErrorUnknown";
    }
}

const char* error_text(int code) {
    switch (code) {
        case kSuccess: return "no error";
        case kInvalidValue: return "invalid argument";
        case kOutOfMemory: return "out of memory";
        case kNotInitialized: return "initialization error";
        case kInvalidConfiguration: return "invalid configuration argument";
        case kInvalidPitch: return "invalid pitch argument";
        case kInvalidMemcpyDirection: return "invalid copy direction for memcpy";
        case kInsufficientDriver: return "CUDA driver version is insufficient for CUDA runtime version";
        case kNoDevice: return "no CUDA-capable device is detected";
        case kInvalidDevice: return "invalid device ordinal";
        case kInvalidImage: return "device kernel image is invalid";
        case kInvalidContext: return "invalid device context";
        case kNoBinaryForGpu: return "no kernel image is available for execution on the device";
        case kInvalidHandle: return "invalid resource handle";
        case kNotFound: return "named symbol not found";
        case kNotReady: return "device not ready";
        case kIllegalAddress: return "an illegal memory access was encountered";
        case kLaunchOutOfResources: return "too many resources requested for launch";
        case kLaunchTimeout: return "the launch timed out and was terminated";
        case kLaunchFailed: return "unspecified launch failure";
        case kCooperativeLaunchTooLarge: return "too many blocks in cooperative launch";
        case kNotSupported: return "operation not supported";
        case kCaptureUnsupported: return "operation not permitted when stream is capturing";
        case kCaptureInvalidated: return "operation failed due to a previous error during capture";
        case kCaptureUnmatched: return "capture was not ended in the same stream as it began";
        case kCaptureImplicit: return "operation would make the legacy stream depend on a capturing blocking stream";
        case kCaptureWrongThread: return "attempt to terminate a thread-local capture sequence from another thread";
        case kInvalidClusterSize: return "invalid cluster size";
        default: return "unknown error";
    }
}

}  // namespace rnn4j_emu

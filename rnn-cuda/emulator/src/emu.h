// The emulated CUDA device's runtime (librnn4j_emu.so), shared by the stand-in libraries: libcuda.so.1
// (driver.cpp), libcudart.so.13 (cudart.cpp), libcublas.so.13 (cublas.cpp) and libnvrtc.so.13 (nvrtc.cpp).
//   blocks.cpp   the CUDA threads of a block as fibers: barriers, warp exchanges, clusters, spin pauses;
//   launch.cpp   a launch's grid: blocks in turn, or all at once (cooperative launches, clusters);
//   device.cpp   devices and their attributes, contexts, device and pinned memory, errors;
//   stream.cpp   streams (an in-order queue run by a worker thread), stream capture and graphs.
// Every function returns CUDA error codes (Code); nothing throws across the C interfaces.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rnn4j_emu/coords.h"
#include "rnn4j_emu/module.h"

#define EMU_API __attribute__((visibility("default")))

namespace rnn4j_emu {

// CUDA runtime and driver error codes (the two enumerations agree on every value used here).
enum Code : int {
    kSuccess = 0,
    kInvalidValue = 1,
    kOutOfMemory = 2,
    kNotInitialized = 3,
    kInvalidConfiguration = 9,
    kInvalidPitch = 12,
    kInvalidMemcpyDirection = 21,
    kInsufficientDriver = 35,
    kNoDevice = 100,
    kInvalidDevice = 101,
    kInvalidImage = 200,
    kInvalidContext = 201,
    kNoBinaryForGpu = 209,
    kInvalidHandle = 400,
    kNotFound = 500,
    kNotReady = 600,
    kIllegalAddress = 700,
    kLaunchOutOfResources = 701,
    kLaunchTimeout = 702,
    kLaunchFailed = 719,
    kCooperativeLaunchTooLarge = 720,
    kNotSupported = 801,
    kCaptureUnsupported = 900,
    kCaptureInvalidated = 901,
    kCaptureUnmatched = 903,
    kCaptureImplicit = 906,
    kCaptureWrongThread = 908,
    kInvalidClusterSize = 912,
};

EMU_API const char* error_name(int code);
EMU_API const char* error_text(int code);

// Prints one diagnostic line on stderr, prefixed "rnn4j-emu: " (the emulator is a test fixture).
EMU_API void note(const std::string& what);

// ------------------------------------------------------------------ devices

struct Device {
    int index;
    int cc_major, cc_minor;
    int sms;
    int shared_per_block;          // without opt-in
    int shared_optin;              // the most a function may opt in to
    int shared_per_sm;
    int max_threads_per_sm;
    int max_blocks_per_sm;
    size_t memory_bytes;
};

EMU_API int device_count();
EMU_API const Device* device(int index);   // null when out of range
EMU_API int device_attribute(int attr, int index, int* out);

struct Module;
struct Stream;

// A device's primary context. Runtime calls make it current on their thread (as the CUDA runtime does);
// driver calls need a current context.
struct Context {
    const Device* dev;
    std::atomic<int> sticky{0};    // a launch failure poisons the context, as on a GPU
    std::string sticky_message;
    std::mutex mutex;
    std::vector<Stream*> streams;  // blocking streams synchronize with the legacy default stream
    Stream* legacy = nullptr;
};

EMU_API Context* context(int device);            // the primary context (never null for a valid index)
EMU_API Context* current_context();              // this thread's current context, or null
EMU_API void set_current(Context* c);
EMU_API int current_device();                    // the runtime's device for this thread (0 by default)
EMU_API int runtime_enter();                     // binds the primary context of the current device; its sticky error
EMU_API void poison(Context* c, int code, const std::string& why);

// ------------------------------------------------------------------ memory

// Device allocations are host memory with red zones (checked at every free and synchronization), filled
// with 0xff (NaN floats) when allocated. Pinned host allocations are recorded, so that copies from them run
// in stream order and copies from pageable memory do not.
EMU_API int device_malloc(Context* c, void** out, size_t bytes);
EMU_API int device_free(void* p);
EMU_API int host_malloc(void** out, size_t bytes, unsigned flags);
EMU_API int host_free(void* p);
EMU_API bool is_pinned(const void* p, size_t bytes);
EMU_API bool host_mapped(const void* p);
// Whether [p, p + bytes) lies in one live device allocation (or mapped pinned memory, for kernels).
EMU_API bool device_range(const void* p, size_t bytes);
EMU_API bool device_pointer(const void* p);
EMU_API int check_red_zones(Context* c, std::string* where);  // the context's allocations

// ------------------------------------------------------------------ kernels and launches

struct Module {
    Context* ctx;
    void* handle;        // dlopen
    std::string path;
    int arch;            // e.g. 90
    const KernelInfo* kernels;
    int count;
    std::vector<struct Function*> functions;
};

struct Function {
    Module* module;
    const KernelInfo* info;
    int max_dynamic_shared;   // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
};

struct Launch {
    const Function* fn;
    uint3 grid, block;
    unsigned shared_bytes;
    bool cooperative;
    std::vector<unsigned char> storage;  // the argument values, copied at launch
    std::vector<void*> args;
};

// Checks a launch against the device and copies its arguments; kSuccess or the launch's error.
EMU_API int prepare_launch(Launch& l, const Function* f, uint3 grid, uint3 block, unsigned shared, void** params,
                           bool cooperative);
// Runs a prepared launch to completion on the calling thread; kSuccess or the launch's failure.
EMU_API int run_launch(const Launch& l, std::string* why);
EMU_API int occupancy_blocks_per_sm(const Function* f, int threads, size_t dynamic_shared, int* out);
EMU_API int occupancy_clusters(const Function* f, uint3 grid, uint3 block, unsigned shared, unsigned cluster,
                               int* out);

// ------------------------------------------------------------------ streams and graphs

// An operation queued on a stream: returns a CUDA code, and on failure says why.
using Op = std::function<int(std::string& why)>;

struct Graph {
    std::vector<std::shared_ptr<Op>> ops;
};

struct Stream {
    Context* ctx;
    bool blocking;                 // synchronizes with the legacy default stream
    bool legacy;
    // capture
    int capture_mode = -1;         // -1: not capturing
    std::thread::id capture_thread;
    Graph* capturing = nullptr;
    bool capture_invalid = false;
    // queue
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::shared_ptr<Op>> queue;
    bool running = false;          // the worker runs an operation
    bool kicked = false;           // run what is queued (a synchronization or a full queue)
    bool stop = false;
    std::thread worker;
};

EMU_API int stream_create(Context* c, Stream** out, bool blocking);
EMU_API int stream_destroy(Stream* s);
EMU_API Stream* resolve_stream(void* handle);   // null, cudaStreamLegacy (1) and cudaStreamPerThread (2) → legacy
// Queues `op` (or records it when the stream is capturing). A stream runs what is queued when the host
// waits for it (or when many operations are queued): so host code that reads results without waiting
// reads stale values, deterministically. RNN4J_EMU_EAGER=1 runs operations as soon as they are queued.
EMU_API int stream_enqueue(Stream* s, Op op);
EMU_API int stream_synchronize(Stream* s);
EMU_API int device_synchronize(Context* c);
// Waits for every stream of the context that is not capturing (what cudaFree waits for).
EMU_API int device_drain(Context* c);
// Refuses calls that are not allowed while a stream captures (cudaMalloc and the like), as CUDA does.
EMU_API int capture_check_unsafe_call();
EMU_API int begin_capture(Stream* s, int mode);
EMU_API int end_capture(Stream* s, Graph** out);
EMU_API int capture_status(Stream* s, int* status);
EMU_API int graph_launch(const Graph* g, Stream* s);

}  // namespace rnn4j_emu

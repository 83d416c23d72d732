// libcuda.so.1 of the emulated device: the driver calls rnn4j makes. Driver calls need a current context
// (made current by a runtime call such as cudaSetDevice, or cuCtxSetCurrent), as with the real driver; a
// module, function or launch belongs to the context it was loaded in. A module image is what the emulated
// NVRTC produces: "RNN4JEMU", the architecture (e.g. 90), then a shared object; it loads only on a device
// of that architecture, as a cubin does.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "emu.h"

using namespace rnn4j_emu;

namespace {

Context* need_context() { return current_context(); }

int launch(Function* f, uint3 grid, uint3 block, unsigned shared, void* stream, void** params, bool cooperative) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    if (int sticky = c->sticky.load()) return sticky;
    if (!f) return kInvalidHandle;
    if (f->module->ctx != c) return kInvalidContext;
    auto l = std::make_shared<Launch>();
    int rc = prepare_launch(*l, f, grid, block, shared, params, cooperative);
    if (rc) return rc;
    Stream* s = resolve_stream(stream);
    if (!s) return kInvalidHandle;
    return stream_enqueue(s, [l](std::string& why) { return run_launch(*l, &why); });
}

}  // namespace

extern "C" {

EMU_API int cuInit(unsigned flags) { return flags == 0 ? kSuccess : kInvalidValue; }

EMU_API int cuDriverGetVersion(int* v) {
    if (!v) return kInvalidValue;
    *v = 13000;
    return kSuccess;
}

EMU_API int cuDeviceGetCount(int* n) {
    if (!n) return kInvalidValue;
    *n = device_count();
    return kSuccess;
}

EMU_API int cuDeviceGet(int* d, int ordinal) {
    if (!d) return kInvalidValue;
    if (!device(ordinal)) return kInvalidDevice;
    *d = ordinal;
    return kSuccess;
}

EMU_API int cuDeviceGetAttribute(int* v, int attr, int dev) {
    if (!v) return kInvalidValue;
    return device_attribute(attr, dev, v);
}

EMU_API int cuDeviceGetName(char* name, int len, int dev) {
    const Device* d = device(dev);
    if (!d) return kInvalidDevice;
    if (!name || len <= 0) return kInvalidValue;
    std::snprintf(name, static_cast<size_t>(len), "rnn4j emulated device (sm_%d%d, %d SMs)", d->cc_major, d->cc_minor,
                  d->sms);
    return kSuccess;
}

EMU_API int cuDevicePrimaryCtxRetain(void** ctx, int dev) {
    Context* c = context(dev);
    if (!c) return kInvalidDevice;
    if (!ctx) return kInvalidValue;
    *ctx = c;
    return kSuccess;
}

EMU_API int cuDevicePrimaryCtxRelease(int dev) { return context(dev) ? kSuccess : kInvalidDevice; }

EMU_API int cuCtxSetCurrent(void* ctx) {
    set_current(static_cast<Context*>(ctx));
    return kSuccess;
}

EMU_API int cuCtxGetCurrent(void** ctx) {
    if (!ctx) return kInvalidValue;
    *ctx = current_context();
    return kSuccess;
}

EMU_API int cuCtxGetDevice(int* d) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    *d = c->dev->index;
    return kSuccess;
}

EMU_API int cuCtxSynchronize() {
    Context* c = need_context();
    return c ? device_synchronize(c) : kInvalidContext;
}

EMU_API int cuModuleLoadData(void** module, const void* image) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    if (!module || !image) return kInvalidValue;
    const unsigned char* p = static_cast<const unsigned char*>(image);
    if (std::memcmp(p, "RNN4JEMU", 8) != 0) return kInvalidImage;
    uint32_t arch, reserved;
    uint64_t bytes;
    std::memcpy(&arch, p + 8, 4);
    std::memcpy(&reserved, p + 12, 4);
    std::memcpy(&bytes, p + 16, 8);
    if (static_cast<int>(arch) / 10 != c->dev->cc_major || static_cast<int>(arch) % 10 > c->dev->cc_minor) {
        return kNoBinaryForGpu;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/rnn4j-emu-module-XXXXXX";
    std::vector<char> name(path.begin(), path.end());
    name.push_back('\0');
    int fd = mkstemp(name.data());
    if (fd < 0) return kOutOfMemory;
    size_t off = 0;
    while (off < bytes) {
        ssize_t w = write(fd, p + 24 + off, bytes - off);
        if (w <= 0) break;
        off += static_cast<size_t>(w);
    }
    close(fd);
    void* h = off == bytes ? dlopen(name.data(), RTLD_NOW | RTLD_LOCAL) : nullptr;
    unlink(name.data());  // the mapping stays valid
    if (!h) {
        note(std::string("a module image could not be loaded: ") + dlerror());
        return kInvalidImage;
    }
    using Table = const KernelInfo* (*)(int*, int*);
    Table table = reinterpret_cast<Table>(dlsym(h, "rnn4j_emu_module_kernels"));
    int n = 0, abi = 0;
    const KernelInfo* k = table ? table(&n, &abi) : nullptr;
    if (!k || abi != RNN4J_EMU_ABI) {
        dlclose(h);
        return kInvalidImage;
    }
    Module* m = new Module{c, h, name.data(), static_cast<int>(arch), k, n, {}};
    for (int i = 0; i < n; i++) {
        m->functions.push_back(new Function{m, &k[i], c->dev->shared_per_block});
    }
    *module = m;
    return kSuccess;
}

EMU_API int cuModuleUnload(void* module) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    Module* m = static_cast<Module*>(module);
    if (!m) return kInvalidHandle;
    if (m->ctx != c) return kInvalidContext;
    device_drain(c);
    for (Function* f : m->functions) delete f;
    dlclose(m->handle);
    delete m;
    return kSuccess;
}

EMU_API int cuModuleGetFunction(void** fn, void* module, const char* name) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    Module* m = static_cast<Module*>(module);
    if (!fn || !m || !name) return kInvalidValue;
    if (m->ctx != c) return kInvalidContext;
    for (Function* f : m->functions) {
        if (std::strcmp(f->info->name, name) == 0) {
            *fn = f;
            return kSuccess;
        }
    }
    return kNotFound;
}

EMU_API int cuFuncSetAttribute(void* fn, int attr, int value) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    Function* f = static_cast<Function*>(fn);
    if (!f) return kInvalidHandle;
    if (attr == 8) {  // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
        if (value < 0 || value > f->module->ctx->dev->shared_optin) return kInvalidValue;
        f->max_dynamic_shared = value;
        return kSuccess;
    }
    return attr == 9 || attr == 14 ? kSuccess : kInvalidValue;  // carveout, non-portable clusters: accepted
}

EMU_API int cuFuncGetAttribute(int* out, int attr, void* fn) {
    Function* f = static_cast<Function*>(fn);
    if (!out || !f) return kInvalidValue;
    switch (attr) {
        case 0: *out = 1024; return kSuccess;                    // max threads per block
        case 1: case 2: case 3: *out = 0; return kSuccess;      // static shared, constant, local bytes
        case 4: *out = 32; return kSuccess;                      // registers
        case 5: case 6: *out = f->module->arch; return kSuccess; // PTX and binary versions
        case 8: *out = f->max_dynamic_shared; return kSuccess;
        case 11: *out = static_cast<int>(f->info->cluster[0]); return kSuccess;
        case 12: *out = static_cast<int>(f->info->cluster[1]); return kSuccess;
        case 13: *out = static_cast<int>(f->info->cluster[2]); return kSuccess;
        default: return kInvalidValue;
    }
}

EMU_API int cuLaunchKernel(void* fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                           unsigned shared, void* stream, void** params, void** extra) {
    if (extra) return kNotSupported;
    return launch(static_cast<Function*>(fn), uint3{gx, gy, gz}, uint3{bx, by, bz}, shared, stream, params, false);
}

EMU_API int cuLaunchCooperativeKernel(void* fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                      unsigned bz, unsigned shared, void* stream, void** params) {
    return launch(static_cast<Function*>(fn), uint3{gx, gy, gz}, uint3{bx, by, bz}, shared, stream, params, true);
}

EMU_API int cuOccupancyMaxActiveBlocksPerMultiprocessor(int* n, void* fn, int threads, size_t shared) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    if (!n || !fn) return kInvalidValue;
    return occupancy_blocks_per_sm(static_cast<Function*>(fn), threads, shared, n);
}

// CUlaunchConfig: grid x, y, z, block x, y, z, shared bytes (7 unsigned), stream (at 32), attributes, count; a
// CUlaunchAttribute is an id (4 bytes), 4 bytes of padding and a 64-byte value (a cluster's x, y, z for id 4).
EMU_API int cuOccupancyMaxActiveClusters(int* n, void* fn, const void* config) {
    Context* c = need_context();
    if (!c) return kInvalidContext;
    if (!n || !fn || !config) return kInvalidValue;
    const unsigned char* p = static_cast<const unsigned char*>(config);
    unsigned v[7];
    std::memcpy(v, p, sizeof v);
    const unsigned char* attrs;
    unsigned count;
    std::memcpy(&attrs, p + 40, sizeof attrs);  // after the stream at 32
    std::memcpy(&count, p + 48, sizeof count);
    unsigned cluster = 0;
    for (unsigned i = 0; attrs && i < count; i++) {
        int id;
        std::memcpy(&id, attrs + 72 * i, 4);
        if (id == 4) {
            unsigned d[3];
            std::memcpy(d, attrs + 72 * i + 8, sizeof d);
            cluster = d[0] * d[1] * d[2];
        }
    }
    return occupancy_clusters(static_cast<Function*>(fn), uint3{v[0], v[1], v[2]}, uint3{v[3], v[4], v[5]}, v[6],
                              cluster, n);
}

EMU_API int cuGetErrorString(int e, const char** s) {
    if (!s) return kInvalidValue;
    *s = error_text(e);
    return kSuccess;
}

EMU_API int cuGetErrorName(int e, const char** s) {
    if (!s) return kInvalidValue;
    *s = error_name(e);
    return kSuccess;
}

}  // extern "C"

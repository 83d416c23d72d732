// libnvrtc.so.13 of the emulated device: "compiles" CUDA C for the emulated device with g++. The source
// is compiled as C++20 with rnn4j_emu/device.h in front (threadIdx, __syncthreads, shuffles, atomics…)
// and __CUDA_ARCH__ set from --gpu-architecture; `extern __shared__ T name[];` becomes a pointer to the
// block's dynamic shared memory; a table of every `extern "C" __global__` kernel (with its compile-time
// cluster dimensions, found in the preprocessed source) is appended. The result is a shared object, framed
// as the module image that the emulated cuModuleLoadData loads ("RNN4JEMU", arch, size, bytes): the
// "cubin". Compiled modules are cached by the hash of the source, the options and the device headers
// (RNN4J_EMU_CACHE, else a folder in TMPDIR). RNN4J_EMU_CXX names the compiler (g++ unless set).
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "emu.h"

extern char** environ;

namespace {

enum Result { kOk = 0, kOutOfMemory = 1, kInvalidInput = 3, kInvalidProgram = 4, kInvalidOption = 5,
              kCompilation = 6, kInternal = 11 };

struct Program {
    std::string source, name, log;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<unsigned char> image;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool write_file(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    out << data;
    return static_cast<bool>(out);
}

std::string here() {
    Dl_info info;
    if (!dladdr(reinterpret_cast<void*>(&here), &info) || !info.dli_fname) return ".";
    std::string p = info.dli_fname;
    return p.substr(0, p.rfind('/'));
}

uint64_t fnv(uint64_t h, const std::string& s) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

// Runs argv to its end with stdout and stderr into `log`; the exit status (−1 when it could not start).
int run(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Removes a flat folder of the compiler's files.
void remove_folder(const std::string& dir) {
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != "..") unlink((dir + "/" + n).c_str());
        }
        closedir(d);
    }
    rmdir(dir.c_str());
}

bool ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

size_t skip_ws(const std::string& s, size_t i) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
    return i;
}

// `extern __shared__ T name[];` → `T* const name = (T*) rnn4j_emu_dynamic_shared();` (same line count).
std::string rewrite_dynamic_shared(const std::string& src) {
    std::string out;
    size_t i = 0;
    for (;;) {
        size_t at = src.find("extern", i);
        if (at == std::string::npos) break;
        size_t j = skip_ws(src, at + 6);
        bool whole = (at == 0 || !ident(src[at - 1])) && src.compare(j, 10, "__shared__") == 0 && j > at + 6;
        size_t open = whole ? src.find('[', j) : std::string::npos;
        size_t end = open == std::string::npos ? std::string::npos : src.find(';', open);
        if (!whole || end == std::string::npos || src.find('\n', j) < open) {
            out.append(src, i, at + 6 - i);
            i = at + 6;
            continue;
        }
        std::string decl = src.substr(j + 10, open - j - 10);  // " float us"
        size_t e = decl.find_last_not_of(" \t");
        size_t b = e;
        while (b > 0 && ident(decl[b - 1])) b--;
        std::string name = decl.substr(b, e - b + 1), type = decl.substr(0, b);
        out.append(src, i, at - i);
        out += type + "* const " + name + " = (" + type + "*) rnn4j_emu_dynamic_shared();";
        i = end + 1;
    }
    out.append(src, i, std::string::npos);
    return out;
}

struct Kernel {
    std::string name;
    unsigned cluster[3] = {1, 1, 1};
};

// Every `extern "C" __global__ void [__cluster_dims__(x, y, z)] name(` of the preprocessed source.
std::vector<Kernel> kernels(const std::string& pre) {
    std::vector<Kernel> out;
    const std::string key = "extern \"C\" __global__";
    for (size_t at = pre.find(key); at != std::string::npos; at = pre.find(key, at + 1)) {
        size_t i = skip_ws(pre, at + key.size());
        if (pre.compare(i, 4, "void") != 0) continue;
        i = skip_ws(pre, i + 4);
        Kernel k;
        if (pre.compare(i, 16, "__cluster_dims__") == 0) {
            size_t close = pre.find(')', i);
            std::sscanf(pre.c_str() + pre.find('(', i) + 1, "%u , %u , %u", &k.cluster[0], &k.cluster[1], &k.cluster[2]);
            i = skip_ws(pre, close + 1);
        }
        size_t b = i;
        while (i < pre.size() && ident(pre[i])) i++;
        k.name = pre.substr(b, i - b);
        if (!k.name.empty() && pre[skip_ws(pre, i)] == '(') out.push_back(k);
    }
    return out;
}

int compile(Program& p, const std::vector<std::string>& options) {
    int arch = 0;
    std::vector<std::string> defines;
    for (const std::string& o : options) {
        std::string v;
        if (o.rfind("--gpu-architecture=", 0) == 0) v = o.substr(19);
        else if (o.rfind("-arch=", 0) == 0) v = o.substr(6);
        else if (o.rfind("-D", 0) == 0) defines.push_back(o);
        else if (o.rfind("--define-macro=", 0) == 0) defines.push_back("-D" + o.substr(15));
        else if (o.rfind("--std=", 0) == 0 || o.rfind("-std=", 0) == 0 || o == "-lineinfo" || o == "--use_fast_math"
                 || o.rfind("-G", 0) == 0 || o.rfind("--device-debug", 0) == 0) continue;
        else {
            p.log = "the emulated NVRTC does not know the option " + o + "\n";
            return kInvalidOption;
        }
        if (!v.empty()) {
            if (v.rfind("sm_", 0) != 0) {
                p.log = "the emulated NVRTC compiles for a real architecture (sm_XX), not " + v + "\n";
                return kInvalidOption;
            }
            arch = std::atoi(v.c_str() + 3);
        }
    }
    if (arch < 50) arch = 52;
    std::string dir = here();
    std::string include = dir + "/../include";
    std::string cxx = std::getenv("RNN4J_EMU_CXX") ? std::getenv("RNN4J_EMU_CXX") : "g++";
    std::vector<std::string> common = {"-std=c++20", "-x", "c++", "-I" + include,
                                       "-D__CUDA_ARCH__=" + std::to_string(arch * 10), "-D__CUDACC__",
                                       "-D__CUDACC_RTC__", "-DRNN4J_EMULATOR=1"};
    common.insert(common.end(), defines.begin(), defines.end());
    uint64_t key = 1469598103934665603ull;
    key = fnv(key, p.source);
    for (const std::string& c : common) key = fnv(key, c);
    for (const auto& h : p.headers) key = fnv(fnv(key, h.first), h.second);
    key = fnv(key, read_file(include + "/rnn4j_emu/device.h") + read_file(include + "/rnn4j_emu/module.h")
                       + read_file(include + "/rnn4j_emu/coords.h") + cxx + dir);
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpdir = tmp && *tmp ? tmp : "/tmp";
    const char* cache_env = std::getenv("RNN4J_EMU_CACHE");
    std::string cache = cache_env && *cache_env ? cache_env : tmpdir + "/rnn4j-emu-cache-" + std::to_string(getuid());
    mkdir(cache.c_str(), 0700);
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(key));
    std::string so = cache + "/" + hex + ".so";
    std::string bytes = read_file(so);
    if (bytes.empty()) {
        std::string work = tmpdir + "/rnn4j-emu-nvrtc-XXXXXX";
        std::vector<char> w(work.begin(), work.end());
        w.push_back('\0');
        if (!mkdtemp(w.data())) return kInternal;
        work = w.data();
        for (const auto& h : p.headers) write_file(work + "/" + h.second, h.first);
        std::string src = work + "/source.cu", pre = work + "/source.ii", log = work + "/log.txt";
        std::string mod = work + "/module.cpp", out = work + "/module.so";
        write_file(src, p.source);
        std::vector<std::string> a = {cxx, "-E", "-P"};
        a.insert(a.end(), common.begin(), common.end());
        a.insert(a.end(), {"-I" + work, src, "-o", pre});
        int rc = run(a, log);
        std::vector<Kernel> ks = rc == 0 ? kernels(read_file(pre)) : std::vector<Kernel>{};
        if (rc == 0) {
            std::string m = "#line 1 \"" + p.name + "\"\n" + rewrite_dynamic_shared(p.source);
            m += "\n#include \"rnn4j_emu/module.h\"\nstatic const rnn4j_emu::KernelInfo rnn4j_emu_table[] = {\n";
            for (const Kernel& k : ks) {
                m += "    rnn4j_emu::describe(\"" + k.name + "\", &" + k.name + ", " + std::to_string(k.cluster[0]) + ", "
                     + std::to_string(k.cluster[1]) + ", " + std::to_string(k.cluster[2]) + "),\n";
            }
            m += "};\nextern \"C\" __attribute__((visibility(\"default\"))) const rnn4j_emu::KernelInfo* "
                 "rnn4j_emu_module_kernels(int* n, int* abi) {\n    *n = " + std::to_string(ks.size())
                 + ";\n    *abi = RNN4J_EMU_ABI;\n    return rnn4j_emu_table;\n}\n";
            write_file(mod, m);
            std::vector<std::string> c = {cxx, "-O2", "-fPIC", "-shared", "-w", "-fno-strict-aliasing",
                                          "-include", "rnn4j_emu/device.h"};
            c.insert(c.end(), common.begin(), common.end());
            c.insert(c.end(), {"-I" + work, mod, "-x", "none", "-o", out, "-L" + dir, "-lrnn4j_emu",
                               "-Wl,-rpath," + dir});
            rc = run(c, log);
        }
        p.log = read_file(log);
        if (rc != 0) {
            if (rc < 0) p.log += "could not run the compiler " + cxx + " (set RNN4J_EMU_CXX)\n";
            remove_folder(work);
            return kCompilation;
        }
        bytes = read_file(out);
        std::string part = so + "." + std::to_string(getpid()) + ".part";
        if (write_file(part, bytes)) std::rename(part.c_str(), so.c_str());
        remove_folder(work);
    }
    p.image.assign(24 + bytes.size(), 0);
    std::memcpy(p.image.data(), "RNN4JEMU", 8);
    uint32_t a32 = static_cast<uint32_t>(arch);
    uint64_t n = bytes.size();
    std::memcpy(p.image.data() + 8, &a32, 4);
    std::memcpy(p.image.data() + 16, &n, 8);
    std::memcpy(p.image.data() + 24, bytes.data(), bytes.size());
    return kOk;
}

}  // namespace

extern "C" {

EMU_API int nvrtcVersion(int* major, int* minor) {
    if (!major || !minor) return kInvalidInput;
    *major = 13;
    *minor = 0;
    return kOk;
}

EMU_API int nvrtcCreateProgram(void** prog, const char* src, const char* name, int num_headers,
                               const char* const* headers, const char* const* include_names) {
    if (!prog || !src || num_headers < 0) return kInvalidInput;
    Program* p = new Program;
    p->source = src;
    p->name = name ? name : "default_program";
    for (int i = 0; i < num_headers; i++) {
        if (!headers || !include_names || !headers[i] || !include_names[i]) {
            delete p;
            return kInvalidInput;
        }
        p->headers.emplace_back(headers[i], include_names[i]);
    }
    *prog = p;
    return kOk;
}

EMU_API int nvrtcDestroyProgram(void** prog) {
    if (!prog || !*prog) return kInvalidProgram;
    delete static_cast<Program*>(*prog);
    *prog = nullptr;
    return kOk;
}

EMU_API int nvrtcCompileProgram(void* prog, int num_options, const char* const* options) {
    if (!prog || num_options < 0 || (num_options > 0 && !options)) return kInvalidInput;
    Program* p = static_cast<Program*>(prog);
    std::vector<std::string> opts;
    for (int i = 0; i < num_options; i++) opts.emplace_back(options[i] ? options[i] : "");
    p->image.clear();
    p->log.clear();
    try {
        return compile(*p, opts);
    } catch (...) {
        return kInternal;
    }
}

EMU_API int nvrtcGetCUBINSize(void* prog, size_t* size) {
    if (!prog || !size) return kInvalidInput;
    Program* p = static_cast<Program*>(prog);
    if (p->image.empty()) return kInvalidProgram;
    *size = p->image.size();
    return kOk;
}

EMU_API int nvrtcGetCUBIN(void* prog, char* out) {
    if (!prog || !out) return kInvalidInput;
    Program* p = static_cast<Program*>(prog);
    if (p->image.empty()) return kInvalidProgram;
    std::memcpy(out, p->image.data(), p->image.size());
    return kOk;
}

EMU_API int nvrtcGetProgramLogSize(void* prog, size_t* size) {
    if (!prog || !size) return kInvalidInput;
    *size = static_cast<Program*>(prog)->log.size() + 1;
    return kOk;
}

EMU_API int nvrtcGetProgramLog(void* prog, char* out) {
    if (!prog || !out) return kInvalidInput;
    const std::string& log = static_cast<Program*>(prog)->log;
    std::memcpy(out, log.c_str(), log.size() + 1);
    return kOk;
}

EMU_API const char* nvrtcGetErrorString(int r) {
    switch (r) {
        case kOk: return "NVRTC_SUCCESS";
        case kOutOfMemory: return "NVRTC_ERROR_OUT_OF_MEMORY";
        case kInvalidInput: return "NVRTC_ERROR_INVALID_INPUT";
        case kInvalidProgram: return "NVRTC_ERROR_INVALID_PROGRAM";
        case kInvalidOption: return "NVRTC_ERROR_INVALID_OPTION";
        case kCompilation: return "NVRTC_ERROR_COMPILATION";
        default: return "NVRTC_ERROR_INTERNAL_ERROR";
    }
}

}  // extern "C"

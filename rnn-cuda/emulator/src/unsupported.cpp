// What every CUDA, cuBLAS and NVRTC function that the emulator does not implement calls (the stubs that
// build.sh generates from the symbols the JavaCPP bindings reference): a diagnostic once per function and
// "not supported", instead of a missing symbol that would end the JVM.
#include <mutex>
#include <set>
#include <string>

#include "emu.h"

extern "C" EMU_API int rnn4j_emu_unsupported(const char* name, int code) {
    static std::mutex m;
    static std::set<std::string>* seen = new std::set<std::string>;
    std::lock_guard<std::mutex> g(m);
    if (seen->insert(name).second) rnn4j_emu::note(std::string(name) + " is not emulated: it returns error " + std::to_string(code));
    return code;
}

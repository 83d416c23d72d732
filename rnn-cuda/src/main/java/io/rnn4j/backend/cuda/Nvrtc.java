package io.rnn4j.backend.cuda;

import static org.bytedeco.cuda.global.nvrtc.NVRTC_SUCCESS;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCompileProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcCreateProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcDestroyProgram;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBIN;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetCUBINSize;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetErrorString;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLog;
import static org.bytedeco.cuda.global.nvrtc.nvrtcGetProgramLogSize;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * Compiles CUDA C to a cubin for a real architecture ({@code sm_90}) with NVRTC. A cubin, not PTX:
 * an NVRTC newer than the driver emits PTX the driver cannot JIT. Results are cached per process
 * and architecture.
 */
final class Nvrtc {
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private Nvrtc() {
    }

    /** The cubin of {@link KernelSource} for {@code arch} (e.g. {@code sm_90}), compiled once per process. */
    static byte[] kernels(String arch) {
        return CACHE.computeIfAbsent(arch, a -> compile(KernelSource.text(), "kernels.cu", a));
    }

    /**
     * Compiles {@code source} for {@code arch}.
     *
     * @throws IllegalStateException naming the NVRTC call, with the compiler log
     */
    static byte[] compile(String source, String name, String arch) {
        _nvrtcProgram prog = new _nvrtcProgram();
        check(nvrtcCreateProgram(prog, new BytePointer(source), new BytePointer(name), 0, (PointerPointer<?>) null,
                (PointerPointer<?>) null), "nvrtcCreateProgram");
        try {
            PointerPointer<BytePointer> opts = new PointerPointer<>("--gpu-architecture=" + arch, "--std=c++17");
            int rc = nvrtcCompileProgram(prog, 2, opts);
            if (rc != NVRTC_SUCCESS) {
                throw new IllegalStateException("nvrtcCompileProgram(" + name + ", " + arch + ") failed: "
                        + nvrtcGetErrorString(rc).getString() + "\n" + log(prog));
            }
            SizeTPointer size = new SizeTPointer(1);
            check(nvrtcGetCUBINSize(prog, size), "nvrtcGetCUBINSize");
            BytePointer image = new BytePointer(size.get());
            check(nvrtcGetCUBIN(prog, image), "nvrtcGetCUBIN");
            byte[] out = new byte[(int) size.get()];
            image.get(out);
            return out;
        } finally {
            nvrtcDestroyProgram(prog);
        }
    }

    private static String log(_nvrtcProgram prog) {
        SizeTPointer n = new SizeTPointer(1);
        if (nvrtcGetProgramLogSize(prog, n) != NVRTC_SUCCESS || n.get() <= 1) {
            return "";
        }
        BytePointer log = new BytePointer(n.get());
        nvrtcGetProgramLog(prog, log);
        return log.getString();
    }

    private static void check(int rc, String call) {
        if (rc != NVRTC_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + nvrtcGetErrorString(rc).getString());
        }
    }
}

package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every fused kernel compiles for Ampere (sm_80) and Hopper (sm_90) without a GPU: through NVRTC
 * when its library loads, else through {@code nvcc -cubin} from the PATH; skipped, with the reason
 * printed, when neither exists. The cubin must define every kernel the backend looks up.
 */
class KernelCompilationTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"sm_80", "sm_90"})
    void everyKernelCompiles(String arch) throws Exception {
        byte[] cubin = null;
        String how;
        try {
            if (CudaTestSupport.EMULATOR != null) {
                // The build links the bindings to the emulated device, whose NVRTC is g++: check with nvcc.
                throw new UnsatisfiedLinkError("the NVRTC here is the emulated device's");
            }
            org.bytedeco.javacpp.Loader.load(org.bytedeco.cuda.global.nvrtc.class);
            cubin = Nvrtc.compile(KernelSource.text(), "kernels.cu", arch);
            how = "NVRTC";
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            String nvcc = findNvcc();
            assumeTrue(nvcc != null, "neither NVRTC (" + e.getMessage() + ") nor nvcc on the PATH: kernel compilation"
                    + " not checked here");
            Path src = tmp.resolve("kernels.cu");
            Files.writeString(src, KernelSource.text(), StandardCharsets.UTF_8);
            Path out = tmp.resolve("kernels_" + arch + ".cubin");
            Process p = new ProcessBuilder(nvcc, "-cubin", "-arch=" + arch, "-o", out.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out");
            assertEquals(0, p.exitValue(), "nvcc failed for " + arch + ":\n" + log);
            cubin = Files.readAllBytes(out);
            how = "nvcc";
        }
        String image = new String(cubin, StandardCharsets.ISO_8859_1);
        List<String> missing = new ArrayList<>();
        for (String k : KernelSource.KERNELS) {
            if (!image.contains(k)) {
                missing.add(k);
            }
        }
        assertTrue(missing.isEmpty(), "kernels missing from the " + arch + " cubin: " + missing);
        System.out.printf("kernels.cu compiled for %s by %s: %d bytes, %d kernels%n", arch, how, cubin.length,
                KernelSource.KERNELS.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fill2d", "softmax_ce", "optimizer_update", "act_backward"})
    void everyListedKernelIsDefinedInTheSource(String kernel) {
        assertTrue(KernelSource.text().contains("extern \"C\" __global__ void " + kernel + "("), kernel);
    }

    static String findNvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, "nvcc");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        for (String c : new String[] {"/usr/local/cuda/bin/nvcc", "/usr/local/cuda-13.0/bin/nvcc"}) {
            if (new File(c).canExecute()) {
                return c;
            }
        }
        return null;
    }
}

package io.rnn4j.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The CPU's vector extensions as Linux lists them: they decide OpenBLAS's kernels when nothing pins them. */
public final class CpuFlags {
    private CpuFlags() {
    }

    /**
     * {@return the vector extensions /proc/cpuinfo lists among avx512f, avx2, fma, asimd and sve, space
     * separated; "no vector flags listed" when none, "flags unknown" where the file cannot be read}
     */
    public static String vector() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            String flags = " " + lines.filter(l -> l.startsWith("flags")).findFirst().orElse("") + " ";
            StringBuilder b = new StringBuilder();
            for (String f : new String[] {"avx512f", "avx2", "fma", "asimd", "sve"}) {
                if (flags.contains(" " + f + " ")) {
                    b.append(b.length() == 0 ? "" : " ").append(f);
                }
            }
            return b.length() == 0 ? "no vector flags listed" : b.toString();
        } catch (IOException | RuntimeException e) {
            return "flags unknown";
        }
    }
}

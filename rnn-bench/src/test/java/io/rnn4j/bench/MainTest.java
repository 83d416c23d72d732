package io.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(String... args) {
        outBytes.reset();
        errBytes.reset();
        return Main.run(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    @Test
    void stepPrintsJsonWithTheDocumentedFields() {
        assertEquals(2, run("step", "--jit-quiet", "-1"));
        assertEquals(0, run("step", "-V", "11", "-H", "8", "-B", "2", "-T", "3", "--warmup", "1", "--repeats", "3",
                "--jit-quiet", "0.05", "--format", "json", "--threads", "1"));
        String o = outBytes.toString(StandardCharsets.UTF_8).trim();
        assertTrue(o.startsWith("{") && o.endsWith("}"), o);
        for (String key : new String[] {"\"tokens_per_s\":", "\"step_ms_median\":", "\"backend\":\"cpu\"",
                "\"config\":{\"V\":11,\"H\":8,\"B\":2,\"T\":3", "\"warmup_s\":", "\"jit_ms_timed\":"}) {
            assertTrue(o.contains(key), key + " in " + o);
        }
        java.util.regex.Matcher heap = java.util.regex.Pattern.compile("\"heap_bytes_per_step\":(-?[0-9]+)").matcher(o);
        assertTrue(heap.find(), "heap_bytes_per_step in " + o);
        long bytes = Long.parseLong(heap.group(1));
        assertTrue(bytes >= 0 && bytes < 1L << 30, "the calling thread's heap bytes per step, measured on HotSpot: " + o);
    }

    /** The peak: measured where the Vector API is there, a one-line reason where it is not; bad options exit 2. */
    @Test
    void peakMeasuresOrSaysWhyNot() {
        assertEquals(2, run("peak", "--seconds", "0"));
        assertEquals(2, run("peak", "--format", "xml"));
        int rc = run("peak", "--seconds", "0.02", "--gemm", "64", "--threads", "1", "--format", "json");
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            assertEquals(1, rc);
            assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("needs the Vector API"), errBytes.toString());
            return;
        }
        assertEquals(0, rc, errBytes.toString());
        String o = outBytes.toString(StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"peak_gflops\": ([0-9.]+)").matcher(o);
        assertTrue(m.find() && Double.parseDouble(m.group(1)) > 1, o);
    }

    @Test
    void badOptionsExitWithTwo() {
        assertEquals(2, run("step", "--clip", "sometimes"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("bad clipping"));
        assertEquals(2, run("step", "-H", "x"));
        assertEquals(2, run("step", "-H", "0"));
        assertEquals(2, run("step", "--format", "xml"));
        assertEquals(2, run("step", "extra"));
        assertEquals(2, run("nope"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("'nope'"));
        assertEquals(0, run("step", "--help"));
        assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("--no-bias"));
        assertEquals(0, run("--help"));
        assertTrue(outBytes.toString(StandardCharsets.UTF_8).contains("suite"));
        assertEquals(2, run("--configs", "C9"));
        assertEquals(2, run("suite", "--configs", "C9"));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("unknown configuration 'C9'"));
    }
}

package io.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.io.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line under hostile input (reliability round 3, item 6): bounded options, a checkpoint's
 * metadata checked as an option is, messages that say what is wrong with a file, no empty output folder
 * after a failure, an unknown command that is an error even with --help, a sample streamed.
 */
class CliReliabilityTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(String... args) {
        return run(new PrintStream(outBytes, true, StandardCharsets.UTF_8), args);
    }

    private int run(PrintStream out, String... args) {
        outBytes.reset();
        errBytes.reset();
        return Main.run(args, out, new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    private String err() {
        String e = errBytes.toString(StandardCharsets.UTF_8);
        assertFalse(e.contains("java.") || e.contains("Exception") || e.contains("\tat "), "no class names: " + e);
        return e;
    }

    @Test
    void layersAreBoundedAndOutOfMemoryIsOneLine() {
        assertEquals(2, run("char-rnn", "--text", "builtin", "--layers", "100000", "--out", tmp.resolve("l").toString()));
        assertTrue(err().contains("--layers must be in [1, 256], got 100000"), err());
        String m = Cli.describe(new OutOfMemoryError("Java heap space"));
        assertTrue(m.startsWith("out of memory (Java heap space)") && m.contains("-Xmx"), m);
    }

    @Test
    void anUnknownCommandIsAnErrorEvenWithHelp() {
        assertEquals(2, run("deploy", "--help"));
        assertTrue(err().contains("unknown command 'deploy'") && err().contains("char-rnn"), err());
        assertEquals(0, run("char-rnn", "--help"));
        String help = outBytes.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("Default: constant") && !help.contains("Constant[]"), help);
    }

    @Test
    void messagesSayWhatIsWrongWithAFile() throws Exception {
        assertEquals(1, run("sample", "--checkpoint", tmp.resolve("nonexistent.st").toString()));
        assertTrue(err().contains("nonexistent.st: no such file"), err());
        assertEquals(1, run("sample", "--checkpoint", tmp.toString()));
        assertTrue(err().contains("is a folder"), err());
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        assertEquals(1, run("adding", "--steps", "1", "--seeds", "1", "--out", file.toString()));
        assertTrue(err().contains("is a file, not a folder"), err());
        assertEquals(1, run("adding", "--steps", "1", "--seeds", "1", "--out", file.resolve("below").toString()));
        assertTrue(err().contains("cannot create the output folder") && err().contains("is a file, not a folder"), err());
    }

    @Test
    void aFailedRunLeavesNoOutputFolder() throws Exception {
        // Usage errors, and failures after the checks (a backend that does not exist is found when the study
        // starts to run, after its output folder was made before this fix).
        String[][] failing = {
            {"char-rnn", "--text", "builtin", "--hidden", "0"},
            {"char-rnn", "--text", tmp.resolve("missing.txt").toString()},
            {"char-rnn", "--text", "builtin", "--checkpoint", tmp.resolve("a/b/c.st").toString(), "--backend", "tpu"},
            {"char-rnn", "--text", "builtin", "--backend", "tpu"},
            {"adding", "--steps", "10", "--backend", "tpu"},
            {"copy", "--steps", "10", "--backend", "tpu"},
            {"vanishing", "--backend", "tpu"},
            {"exploding", "--steps", "10", "--backend", "tpu"},
            {"truncation", "--backend", "tpu"},
        };
        for (String[] args : failing) {
            Path o = tmp.resolve("out-" + args[0] + "-" + args.length + "-" + Math.abs(String.join(" ", args).hashCode()));
            String[] withOut = java.util.Arrays.copyOf(args, args.length + 2);
            withOut[args.length] = "--out";
            withOut[args.length + 1] = o.toString();
            int rc = run(withOut);
            assertTrue(rc == 1 || rc == 2, String.join(" ", args) + ": exit " + rc);
            assertFalse(Files.exists(o), String.join(" ", args) + " left " + o + " behind");
            assertFalse(Files.exists(tmp.resolve("a")), "a checkpoint's folder is made at the first save");
        }
    }

    @Test
    void aResumedRunChecksTheCheckpointsBatcherMetadata() throws Exception {
        Path cp = tmp.resolve("c.safetensors");
        assertEquals(0, run("char-rnn", "--text", "builtin", "--steps", "2", "--hidden", "8", "--batch", "2", "--seq",
                "8", "--sample-length", "0", "--checkpoint", cp.toString(), "--out", tmp.resolve("o").toString()), err());
        String[][] edits = {{"batcher.window", "2000000000", "'batcher.window' is '2000000000'"},
            {"batcher.window", "-5", "'batcher.window' is '-5'"}, {"batcher.batch", "-5", "'batcher.batch' is '-5'"},
            {"batcher.seq", "abc", "'batcher.seq' is 'abc'"}, {"smoothed_loss", "abc", "'smoothed_loss' is 'abc'"},
            {"rng", "x1", "'rng' is 'x1'"}};
        for (String[] e : edits) {
            Path bad = tmp.resolve("bad.safetensors");
            SafetensorsFile.Contents c = SafetensorsFile.read(cp);
            Map<String, String> meta = new LinkedHashMap<>(c.metadata());
            meta.remove(SafetensorsFile.CHECKSUM);
            meta.put(e[0], e[1]);
            SafetensorsFile.write(bad, new ArrayList<>(c.tensors().values()), meta, true);
            long t0 = System.nanoTime();
            assertEquals(2, run("char-rnn", "--text", "builtin", "--steps", "4", "--resume", bad.toString(),
                    "--sample-length", "0", "--out", tmp.resolve("o2").toString()), e[0] + " " + e[1]);
            assertTrue(err().contains(e[2]), err());
            assertTrue(System.nanoTime() - t0 < 20e9, "refused at once");
        }
    }

    @Test
    void aLongSampleIsStreamed() throws Exception {
        Path cp = tmp.resolve("s.safetensors");
        assertEquals(0, run("char-rnn", "--text", "builtin", "--steps", "1", "--hidden", "8", "--sample-length", "0",
                "--checkpoint", cp.toString(), "--out", tmp.resolve("o").toString()), err());
        int[] flushes = {0};
        long[] bytes = {0};
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                bytes[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                bytes[0] += len;
            }

            @Override
            public void flush() {
                flushes[0]++;
            }
        };
        assertEquals(0, run(new PrintStream(counting, false, StandardCharsets.UTF_8), "sample", "--checkpoint",
                cp.toString(), "--length", "100000"));
        assertTrue(bytes[0] >= 100_000, bytes[0] + " bytes");
        assertTrue(flushes[0] >= 10, "written as it is generated: " + flushes[0] + " flushes");
    }
}

package io.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export}: a char-rnn checkpoint becomes an ONNX file; mistakes are one line, no file is left. */
class ExportCommandTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(String... args) {
        outBytes.reset();
        errBytes.reset();
        return Main.run(args, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    @Test
    void aCharRnnCheckpointIsExported() throws Exception {
        Path cp = tmp.resolve("cp.safetensors");
        assertEquals(0, run("char-rnn", "--text", "builtin", "--steps", "2", "--hidden", "8", "--cell", "lstm",
                "--print-every", "1", "--sample-length", "0", "--checkpoint", cp.toString(), "--out",
                tmp.resolve("o").toString()), errBytes.toString(StandardCharsets.UTF_8));
        Path onnx = tmp.resolve("model.onnx");
        assertEquals(0, run("export", "--checkpoint", cp.toString(), "--onnx", onnx.toString()),
                errBytes.toString(StandardCharsets.UTF_8));
        String out = outBytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("operators: OneHot, LSTM, MatMul, Add"), out);
        byte[] b = Files.readAllBytes(onnx);
        assertTrue(b.length > 1000 && new String(b, StandardCharsets.ISO_8859_1).contains("rnn4j"), "an ONNX model");
    }

    /**
     * The acceptance check: char-rnn checkpoints (Elman, LSTM, a 2-layer GRU) exported with the
     * command give, in ONNX Runtime, the logits that {@link Generator} gives token by token from the same
     * checkpoint (1e-5 relative), and ONNX's own checker accepts them where it is installed.
     */
    @Test
    void exportedCharRnnCheckpointsGiveTheGeneratorsLogitsInOnnxRuntime() throws Exception {
        String[][] models = {{"elman", "1"}, {"lstm", "1"}, {"gru", "2"}};
        java.util.List<String> files = new java.util.ArrayList<>();
        for (String[] mdl : models) {
            Path cp = tmp.resolve(mdl[0] + ".safetensors");
            assertEquals(0, run("char-rnn", "--text", "builtin", "--steps", "3", "--hidden", "12", "--cell", mdl[0],
                    "--layers", mdl[1], "--print-every", "1", "--sample-length", "0", "--checkpoint", cp.toString(),
                    "--out", tmp.resolve("o-" + mdl[0]).toString()), errBytes.toString(StandardCharsets.UTF_8));
            Path onnx = tmp.resolve(mdl[0] + ".onnx");
            assertEquals(0, run("export", "--checkpoint", cp.toString(), "--onnx", onnx.toString(),
                    "--no-state-inputs"));
            files.add(onnx.toString());
            ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
            try (io.rnn4j.backend.Backend be = new io.rnn4j.backend.cpu.CpuBackend();
                 io.rnn4j.train.Trainer t = io.rnn4j.io.Checkpoint.load(cp, be); var m = t.model();
                 io.rnn4j.nn.Generator g = new io.rnn4j.nn.Generator(m);
                 ai.onnxruntime.OrtSession s = env.createSession(onnx.toString(),
                         new ai.onnxruntime.OrtSession.SessionOptions())) {
                int v = m.config().inputSize();
                long[][] tokens = new long[40][1];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i][0] = (i * 7 + 3) % v;
                }
                float[][][] got;
                try (ai.onnxruntime.OnnxTensor x = ai.onnxruntime.OnnxTensor.createTensor(env, tokens);
                     ai.onnxruntime.OrtSession.Result r = s.run(java.util.Map.of("tokens", x))) {
                    got = (float[][][]) r.get("logits").orElseThrow().getValue();
                }
                double num = 0;
                double den = 0;
                for (int i = 0; i < tokens.length; i++) {
                    float[] z = g.feed((int) tokens[i][0]);
                    for (int k = 0; k < z.length; k++) {
                        num += Math.pow(got[i][0][k] - z[k], 2);
                        den += (double) z[k] * z[k];
                    }
                }
                double err = Math.sqrt(num / den);
                assertTrue(err <= 1e-5, mdl[0] + ": ONNX Runtime and the Generator differ by " + err);
            }
        }
        String py = io.rnn4j.examples.ExportCommandTest.pythonWithOnnx();
        if (py == null) {
            System.out.println("ONNX checker skipped: no Python with the onnx package (apt-get install python3-onnx)");
            return;
        }
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(py, "-c",
                "import onnx, sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)"));
        cmd.addAll(files);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "onnx.checker: " + out);
    }

    static String pythonWithOnnx() {
        for (String py : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process p = new ProcessBuilder(py, "-c", "import onnx").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor() == 0) {
                    return py;
                }
            } catch (java.io.IOException | InterruptedException e) {
                // the next
            }
        }
        return null;
    }

    @Test
    void mistakesAreOneLineAndWriteNothing() {
        Path onnx = tmp.resolve("never.onnx");
        assertEquals(1, run("export", "--checkpoint", tmp.resolve("missing.safetensors").toString(), "--onnx",
                onnx.toString()));
        String e = errBytes.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("error: ") && e.lines().count() <= 2 && !e.contains("Exception"), e);
        assertFalse(Files.exists(onnx));
        assertEquals(2, run("export", "--checkpoint", "x", "--onnx", tmp.resolve("no/such/dir/m.onnx").toString()));
        assertTrue(errBytes.toString(StandardCharsets.UTF_8).contains("does not exist"));
        assertEquals(2, run("export", "--onnx", onnx.toString()));
    }
}

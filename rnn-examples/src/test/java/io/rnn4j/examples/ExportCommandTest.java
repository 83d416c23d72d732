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

package io.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void demoRunsEndToEndAndLearns() {
        assertEquals(0, run("demo", "--steps", "150", "--hidden", "32", "--report", "50", "--sample", "40", "--out",
                tmp.resolve("demo").toString()), err());
        String o = out();
        assertTrue(o.contains("backend CPU backend"), o);
        assertTrue(o.contains("sample at step 150 (temperature 0.50)"), o);
        // The smoothed loss at step 150 is well below ln 37 ≈ 3.6 nats per character.
        String last = o.lines().filter(l -> l.trim().startsWith("150 ")).findFirst().orElseThrow();
        double smoothed = Double.parseDouble(last.trim().split("\\s+")[2]);
        assertTrue(smoothed < 3.0, "smoothed loss after 150 steps: " + smoothed);
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path tmp;

    @Test
    void everyStudyRunsEndToEndOnTinySettings() throws Exception {
        String o = tmp.toString();
        assertEquals(0, run("adding", "--T", "6", "--hidden", "8", "--steps", "30", "--eval-every", "10", "--seeds", "1,2",
                "--out", o + "/adding"), err());
        assertTrue(out().contains("first step MSE < 0.01"), out());
        assertTrue(java.nio.file.Files.size(tmp.resolve("adding/adding.csv")) > 50);
        assertEquals(0, run("copy", "--T", "3", "--hidden", "8", "--steps", "20", "--eval-every", "10",
                "--out", o + "/copy"), err());
        assertTrue(out().contains("memoryless baseline"), out());
        assertEquals(0, run("vanishing", "--T", "8", "--hidden", "6", "--train-steps", "5", "--models", "tanh,irnn",
                "--out", o + "/v"), err());
        assertTrue(out().contains("irnn") && out().contains("rate/step"), out());
        assertEquals(0, run("exploding", "--T", "8", "--hidden", "6", "--steps", "10", "--out", o + "/e"), err());
        assertTrue(out().contains("no clipping") && out().contains("global-norm clip"), out());
        java.nio.file.Path text = tmp.resolve("t.txt");
        java.nio.file.Files.writeString(text, "the cat sat on the mat. ".repeat(40));
        java.nio.file.Path ck = tmp.resolve("ck.safetensors");
        assertEquals(0, run("char-rnn", "--text", text.toString(), "--batch", "2", "--seq", "8", "--hidden", "16",
                "--steps", "20", "--print-every", "10", "--sample-every", "10", "--sample-length", "20",
                "--checkpoint", ck.toString(), "--checkpoint-every", "10", "--out", o + "/c"), err());
        assertTrue(java.nio.file.Files.exists(ck));
        assertEquals(0, run("char-rnn", "--text", text.toString(), "--batch", "2", "--seq", "8", "--hidden", "16",
                "--steps", "30", "--print-every", "10", "--sample-every", "0", "--resume", ck.toString(), "--out", o + "/c"),
                err());
        assertTrue(out().contains("resumed from") && out().contains("at step 20"), out());
        assertEquals(0, run("char-rnn", "--text", text.toString(), "--preset", "min-char-rnn", "--steps", "5",
                "--print-every", "5", "--sample-length", "0", "--out", o + "/m"), err());
        assertTrue(out().contains("adagrad(lr 0.1, eps 1.0E-8)") && out().contains("sum loss"), out());
        java.nio.file.Path lstm = tmp.resolve("lstm.safetensors");
        assertEquals(0, run("char-rnn", "--text", text.toString(), "--cell", "lstm", "--batch", "2", "--seq", "8",
                "--hidden", "16", "--steps", "10", "--print-every", "5", "--sample-length", "10", "--checkpoint",
                lstm.toString(), "--out", o + "/l"), err());
        assertTrue(out().contains("lstm×1 H=16"), out());
        assertEquals(0, run("sample", "--checkpoint", lstm.toString(), "--length", "20"), err());
        assertEquals(0, run("sample", "--checkpoint", ck.toString(), "--length", "30", "--prime", "the "), err());
        assertTrue(out().startsWith("the "), out());
        assertEquals(2, run("sample", "--checkpoint", ck.toString(), "--prime", "xyz"));
        assertTrue(err().contains("not in the vocabulary"), err());
        assertEquals(2, run("char-rnn"));
        assertTrue(err().contains("Missing required option: '--text=FILE'"), err());
    }

    @Test
    void tourRunsAndPointsAtItsPlots() {
        assertEquals(0, run("tour", "--out", tmp.resolve("tour").toString()), err());
        assertTrue(out().contains("tour done"), out());
        assertTrue(java.nio.file.Files.exists(tmp.resolve("tour/adding/adding.csv")));
        assertTrue(java.nio.file.Files.exists(tmp.resolve("tour/vanishing/vanishing.csv")));
    }

    @Test
    void helpAndErrors() {
        assertEquals(0, run("--help"));
        assertTrue(out().contains("demo"));
        assertEquals(0, run("demo", "--help"));
        assertTrue(out().contains("--temperature"));
        assertEquals(2, run());
        assertTrue(err().contains("a command is required"), err());
        assertEquals(2, run("nonsense"));
        assertTrue(err().contains("'nonsense'"), err());
        assertEquals(2, run("demo", "--hidden", "zero"));
        assertTrue(err().contains("--hidden") && err().contains("'zero' is not an int"), err());
        assertEquals(2, run("demo", "--bogus"));
        assertTrue(err().contains("Unknown option: '--bogus'"), err());
        assertEquals(2, run("demo", "--activation", "swish"));
        assertTrue(err().contains("unknown activation 'swish'"), err());
        assertEquals(2, run("demo", "--batch", "1000", "--seq", "100"));
        assertTrue(err().contains("too short"), err());
        assertFalse(err().contains("java."), "no class names in errors: " + err());
    }
}

package io.rnn4j.examples;

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

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void demoRunsEndToEndAndLearns() {
        assertEquals(0, run("demo", "--steps", "150", "--hidden", "32", "--report", "50", "--sample", "40"));
        String o = out();
        assertTrue(o.contains("backend     CPU backend"), o);
        assertTrue(o.contains("sample (temperature 0.50)"), o);
        // The smoothed loss at step 150 is well below ln 37 ≈ 3.6.
        String last = o.lines().filter(l -> l.trim().startsWith("150 ")).findFirst().orElseThrow();
        double loss = Double.parseDouble(last.trim().split("\\s+")[1]);
        assertTrue(loss < 3.0, "loss after 150 steps: " + loss);
    }

    @Test
    void helpAndErrors() {
        assertEquals(0, run("--help"));
        assertTrue(out().contains("demo"));
        assertEquals(0, run("demo", "--help"));
        assertTrue(out().contains("--temperature"));
        assertEquals(2, run("nonsense"));
        assertTrue(err().contains("unknown command 'nonsense'"));
        assertEquals(2, run("demo", "--hidden", "zero"));
        assertTrue(err().contains("--hidden needs an integer"), err());
        assertEquals(2, run("demo", "--bogus"));
        assertTrue(err().contains("unknown option --bogus"), err());
        assertEquals(2, run("demo", "--activation", "swish"));
        assertTrue(err().contains("unknown activation 'swish'"), err());
        assertEquals(2, run("demo", "--batch", "1000", "--seq", "100"));
        assertTrue(err().contains("too short"), err());
    }
}

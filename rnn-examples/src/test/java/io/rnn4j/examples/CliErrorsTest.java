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

/**
 * The command line as a new user meets it: every mistake is one line that names the option or the
 * file and says what to do, found before training starts, with exit code 2 (1 for failures while
 * running), never a class name.
 */
class CliErrorsTest {
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

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        String e = errBytes.toString(StandardCharsets.UTF_8);
        assertFalse(e.contains("java.") || e.contains("Exception"), "no class names in errors: " + e);
        return e;
    }

    @Test
    void theBuiltInTextRunsWithTheDefaultsAndSaysWhatItLowered() {
        assertEquals(0, run("char-rnn", "--text", "builtin", "--steps", "2", "--hidden", "8", "--print-every", "1",
                "--sample-length", "0", "--out", tmp.resolve("b").toString()), err());
        assertTrue(out().contains("--batch lowered from 32 to 30"), out());
        assertEquals(2, run("char-rnn", "--text", "builtin", "--batch", "32", "--seq", "64", "--out",
                tmp.resolve("b").toString()));
        assertTrue(err().contains("needs at least 2049): lower --batch or --seq"), err());
    }

    @Test
    void rangesAreCheckedBeforeTraining() {
        Path o = tmp.resolve("r");
        String[][] cases = {
            {"--temperature", "-1", "--temperature must be in [0.0, Infinity), got -1.0"},
            {"--smoothing", "1", "--smoothing must be in [0.0, 1.0), got 1.0"},
            {"--lr", "0", "--lr must be a positive finite number, got 0.0"},
            {"--lr", "NaN", "--lr must be a positive finite number"},
            {"--steps", "99999999999", "'99999999999' is not an int"},
            {"--hidden", "0", "--hidden must be at least 1, got 0"},
            {"--clip", "global:-1", "clipping threshold must be a positive finite number"},
            {"--optimizer", "lion", "unknown optimizer 'lion'"},
        };
        for (String[] c : cases) {
            assertEquals(2, run("char-rnn", "--text", "builtin", c[0], c[1], "--out", o.toString()), c[0]);
            assertTrue(err().contains(c[2]), c[0] + ": " + err());
        }
        assertFalse(Files.exists(o.resolve("char-rnn.csv")), "nothing ran");
    }

    @Test
    void optimizerKnobsScheduleAndDropoutReachTheTrainer() {
        Path o = tmp.resolve("k");
        String[][] wrong = {
            {"--optimizer", "adam", "--momentum", "0.9", "--momentum is an option of sgd and rmsprop, not of adam"},
            {"--optimizer", "sgd", "--beta1", "0.8", "--beta1 is an option of adam and adamw, not of sgd"},
            {"--optimizer", "sgd", "--nesterov", "--", "Nesterov momentum needs SGD with a momentum above 0"},
            {"--optimizer", "adagrad", "--centered", "--", "centered is an RMSProp option"},
            {"--schedule", "cosine:0", "--", "--", "bad schedule 'cosine:0'"},
            {"--dropout", "1.5", "--", "--", "dropout probability must be in [0, 1)"},
            {"--init-output", "identity", "--", "--", "identity"},
        };
        for (String[] c : wrong) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("adding", "--T", "5", "--hidden",
                    "4", "--steps", "2", "--seeds", "1", "--out", o.toString()));
            for (int i = 0; i < 4; i++) {
                if (!c[i].equals("--")) {
                    args.add(c[i]);
                }
            }
            assertEquals(2, run(args.toArray(String[]::new)), String.join(" ", args));
            assertTrue(err().contains(c[4]), c[0] + " " + c[1] + ": " + err());
        }
        assertEquals(0, run("adding", "--T", "5", "--hidden", "4", "--steps", "4", "--eval-every", "2", "--seeds", "1",
                "--test-sequences", "16", "--optimizer", "rmsprop", "--alpha", "0.9", "--momentum", "0.5", "--centered",
                "--weight-decay", "1e-4", "--schedule", "cosine:4", "--warmup", "1", "--dropout", "variational:0.1",
                "--bidirectional", "--init-input", "uniform:0.1", "--out", o.toString()), err());
        assertTrue(out().contains("H=4 bidirectional") && out().contains("rmsprop(lr 0.001, alpha 0.9, momentum 0.5")
                && out().contains("centered") && out().contains("schedule warmup:1+cosine:4")
                && out().contains("dropout variational:0.1"), out());
        assertEquals(0, run("copy", "--T", "3", "--hidden", "4", "--steps", "2", "--eval-every", "1", "--optimizer",
                "sgd", "--momentum", "0.9", "--nesterov", "--schedule", "step:1:0.5", "--dropout", "0.3",
                "--bidirectional", "--layers", "2", "--out", o.toString()), err());
        assertTrue(out().contains("nesterov") && out().contains("schedule step:1:0.5"), out());
    }

    @Test
    void theResearchInstrumentsRunAndSayWhatTheySet() throws Exception {
        Path o = tmp.resolve("t");
        assertEquals(0, run("truncation", "--K", "8", "--ks", "1,4,8", "--hidden", "6", "--batch", "2",
                "--train-steps", "2", "--models", "tanh,lstm", "--out", o.toString()), err());
        assertTrue(out().contains("text    tanh   init         8    1.0000") && out().contains("adding  lstm"), out());
        assertTrue(Files.exists(o.resolve("truncation.csv")));
        assertEquals(2, run("truncation", "--K", "8", "--ks", "3", "--out", o.toString()));
        assertTrue(err().contains("--ks: 3 does not divide --K 8"), err());
        assertEquals(0, run("adding", "--preset", "le2015", "--steps", "1", "--eval-every", "1", "--seeds", "1",
                "--test-sequences", "16", "--T", "10", "--out", o.toString()), err());
        assertTrue(out().contains("H=100") && out().contains("sgd(lr 0.01)") && out().contains("clip global:1.0")
                && out().contains("B=16"), out());
        assertEquals(0, run("adding", "--preset", "pascanu2013", "--steps", "2", "--eval-every", "1", "--seeds", "1",
                "--test-sequences", "16", "--T", "12", "--max-length", "14", "--hidden", "5", "--out", o.toString()),
                err());
        assertTrue(out().contains("regularizer omega:2.0") && out().contains("without the regularizer"), out());
        // Pascanu's task and measure, as their code has them, and what still differs from it.
        assertTrue(out().contains("task: Pascanu et al.'s") && out().contains("squared error <= 0.04")
                && out().contains("solved") && out().contains("differences from the authors' code"), out());
        java.util.List<String> csv = Files.readAllLines(o.resolve("adding.csv"));
        assertTrue(csv.get(0).equals("seed,step,test_mse,solved,regularized")
                && csv.stream().anyMatch(l -> l.endsWith(",1")) && csv.stream().anyMatch(l -> l.endsWith(",0")),
                "both runs, with and without Ω, in the CSV: " + csv);
        assertEquals(2, run("adding", "--task", "pascanu", "--T", "9", "--out", o.toString()));
        assertTrue(err().contains("--T must be at least 10"), err());
        assertEquals(2, run("adding", "--task", "sum", "--out", o.toString()));
        assertTrue(Files.exists(o.resolve("adding-flow.png")) || out().contains("plot adding-flow.png skipped"));
        assertEquals(1, run("adding", "--model", "lstm", "--regularizer", "omega:1", "--steps", "1", "--seeds", "1",
                "--T", "5", "--out", o.toString()));
        assertTrue(err().contains("unidirectional Elman"), err());
        assertEquals(2, run("copy", "--preset", "graves2014", "--out", o.toString()));
        assertTrue(err().contains("unknown preset 'graves2014' (expected arjovsky2016)"), err());
        // arjovsky2016 as the authors' code runs it: clipping element-wise at 1, Glorot matrices, H by model.
        assertEquals(0, run("copy", "--preset", "arjovsky2016", "--steps", "1", "--eval-every", "1", "--T", "4",
                "--test-sequences", "4", "--out", o.toString()), err());
        String lstm = out();
        assertTrue(lstm.contains("H=40") && lstm.contains("clip value:1") && lstm.contains("rmsprop")
                && lstm.contains("recurrent glorot") && lstm.contains("input glorot") && lstm.contains("output glorot")
                && lstm.contains("differences from the authors' code"), lstm);
        assertEquals(0, run("copy", "--preset", "arjovsky2016", "--model", "tanh", "--steps", "1", "--eval-every", "1",
                "--T", "4", "--test-sequences", "4", "--out", o.toString()), err());
        assertTrue(out().contains("H=80"), out());
        assertEquals(2, run("adding", "--regularizer", "l1:3", "--out", o.toString()));
        assertTrue(err().contains("expected none or omega:LAMBDA"), err());
    }

    @Test
    void unreadableTextsAreNamed() throws Exception {
        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, "caf\u00e9 au lait ".repeat(50).getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(2, run("char-rnn", "--text", latin1.toString()));
        assertTrue(err().contains(latin1 + " is not UTF-8 text") && err().contains("iconv"), err());
        assertEquals(2, run("char-rnn", "--text", tmp.toString()));
        assertTrue(err().contains(tmp + " is a folder: give a text file"), err());
        assertEquals(2, run("char-rnn", "--text", tmp.resolve("missing.txt").toString()));
        assertTrue(err().contains("missing.txt does not exist"), err());
    }

    @Test
    void aResumedRunSaysEveryDisagreementUpFront() throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "the cat sat on the mat. ".repeat(40));
        Path ck = tmp.resolve("ck.safetensors");
        String o = tmp.resolve("c").toString();
        assertEquals(0, run("char-rnn", "--text", text.toString(), "--batch", "2", "--seq", "8", "--hidden", "16",
                "--steps", "10", "--print-every", "10", "--sample-length", "0", "--checkpoint", ck.toString(), "--out",
                o), err());
        String[][] cases = {
            {"--batch", "3", "--batch 3 differs from the checkpoint's 2"},
            {"--hidden", "32", "--hidden 32 differs from the checkpoint's 16"},
            {"--lr", "0.1", "--lr 0.1 differs from the checkpoint's 0.002"},
            {"--optimizer", "sgd", "--optimizer SGD differs from the checkpoint's ADAM"},
            {"--dropout", "0.2", "--dropout standard:0.2 differs from the checkpoint's none"},
            {"--schedule", "cosine:50", "--schedule cosine:50:0.0 differs from the checkpoint's constant"},
            {"--beta2", "0.98", "the optimizer options ask for adam(lr 0.002, betas (0.9, 0.98)"},
            {"--init-recurrent", "orthogonal", "have no effect on a resumed run"},
            {"--steps", "5", "the checkpoint is at step 10, so --steps 5 leaves nothing to do"},
        };
        for (String[] c : cases) {
            String[] steps = c[0].equals("--steps") ? new String[0] : new String[] {"--steps", "20"};
            String[] args = java.util.stream.Stream.of(new String[] {"char-rnn", "--text", text.toString(), "--resume",
                ck.toString(), c[0], c[1], "--out", o}, steps).flatMap(java.util.Arrays::stream).toArray(String[]::new);
            assertEquals(2, run(args), c[0]);
            assertTrue(err().contains(c[2]), c[0] + ": " + err());
        }
        // Without --batch and --seq the checkpoint's are used.
        assertEquals(0, run("char-rnn", "--text", text.toString(), "--resume", ck.toString(), "--steps", "12",
                "--print-every", "1", "--sample-length", "0", "--out", o), err());
        assertTrue(out().contains("B=2, T=8"), out());
    }

    @Test
    void anUnwritableCheckpointPathIsFoundBeforeTraining() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain.txt"), "x");
        assertEquals(2, run("char-rnn", "--text", "builtin", "--steps", "2", "--checkpoint",
                file.resolve("ck.safetensors").toString(), "--out", tmp.resolve("u").toString()));
        assertTrue(err().contains("--checkpoint " + file.resolve("ck.safetensors") + ": its folder cannot be created"),
                err());
        assertFalse(Files.exists(tmp.resolve("u/char-rnn.csv")), "nothing ran");
    }

    @Test
    void aMissingGpuModuleIsNamed() {
        assertEquals(1, run("demo", "--steps", "2", "--backend", "cuda", "--out", tmp.resolve("g").toString()));
        assertTrue(err().contains("io.rnn4j:rnn-cuda, which is not on the class path"), err());
    }
}

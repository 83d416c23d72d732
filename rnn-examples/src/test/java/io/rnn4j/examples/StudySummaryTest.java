package io.rnn4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.data.Batch;
import io.rnn4j.data.SyntheticTasks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** summary.json (what docs/studies/regenerate.py reads) and the Pascanu task's constant-predictor solve rate. */
class StudySummaryTest {
    @TempDir
    Path tmp;

    @Test
    void jsonEscapesStringsAndWritesNonFiniteNumbersAsNull() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "a \"quoted\" \\ line\nnext\u0001");
        m.put("nan", Double.NaN);
        m.put("inf", Double.POSITIVE_INFINITY);
        m.put("list", List.of(1, 2.5, true));
        m.put("array", new double[] {0.25, Double.NaN});
        m.put("empty", Map.of());
        m.put("none", null);
        StringBuilder sb = new StringBuilder();
        Output.json(sb, m, "");
        assertEquals("{\n  \"text\": \"a \\\"quoted\\\" \\\\ line\\nnext\\u0001\",\n  \"nan\": null,\n  \"inf\": null,\n"
                + "  \"list\": [1, 2.5, true],\n  \"array\": [0.25, null],\n  \"empty\": {},\n  \"none\": null\n}",
                sb.toString());
    }

    @Test
    void theConstantPredictorSolvesTheSequencesWithinTwoTenthsOfTheMeanTarget() {
        // targets 0.5, 0.5, 0.9, 0.1, 0.69: mean 0.538; within 0.2 (squared error <= 0.04): 0.5, 0.5, 0.69
        float[] y = {0.5f, 0.5f, 0.9f, 0.1f, 0.69f};
        Batch b = Batch.denseLastStep(5, 1, new float[10], 2, y, 1);
        assertEquals(0.6, AddingCommand.constantPredictorSolved(new Batch[] {b}), 1e-12);
        // For the mean of two U[0, 1] values, P(|y − 1/2| <= 0.2) = 1 − 2 · 2 · 0.3² = 0.64.
        SplittableRandom r = new SplittableRandom(3);
        Batch[] set = new Batch[10_000];
        for (int i = 0; i < set.length; i++) {
            set[i] = SyntheticTasks.addingPascanu(1, SyntheticTasks.pascanuLength(50, 200, r), r);
        }
        assertEquals(0.64, AddingCommand.constantPredictorSolved(set), 0.015);
    }

    @Test
    void anAddingRunWritesItsProvenanceAndTheFiguresItPrinted() throws Exception {
        Path out = tmp.resolve("adding");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"adding", "--task", "pascanu", "--T", "20", "--max-length", "30", "--hidden", "8",
            "--steps", "20", "--eval-every", "10", "--seeds", "4", "--test-sequences", "50", "--out", out.toString()},
                new PrintStream(log, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        String json = Files.readString(out.resolve("summary.json"));
        assertTrue(json.contains("\"command\": \"adding\""), json);
        assertTrue(json.contains("\"arguments\": [\"adding\", \"--task\", \"pascanu\""), json);
        assertTrue(json.matches("(?s).*\"kernel_path\": \"(vector|scalar)\".*"), json);
        assertTrue(json.contains("\"kernel_choice\": \"" + System.getProperty("rnn4j.cpu.kernels", "auto") + "\""), json);
        assertTrue(json.contains("\"backend\": \"cpu: CPU backend"), json);
        assertTrue(json.contains("\"task\": \"pascanu\""), json);
        // The summary table's figures, as printed: final MSE and the test set's constant predictor.
        String line = log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.trim().startsWith("4 "))
                .reduce((a, b) -> b).orElseThrow();
        String[] cols = line.trim().split("\\s+");
        assertEquals(Double.parseDouble(cols[2]), number(json, "final_mse"), 5e-6, line);
        assertEquals(Double.parseDouble(cols[3]), number(json, "constant_predictor"), 5e-6, line);
        double solvedByConstant = number(json, "constant_predictor_solved_share");
        assertTrue(solvedByConstant > 0.3 && solvedByConstant < 0.95, json);
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": ([-0-9.eE]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }
}

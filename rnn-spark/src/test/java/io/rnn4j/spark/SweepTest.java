package io.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps: a grid of runs as tasks gives, in order, exactly what each run gives alone; the command
 * line writes its table and says what is wrong with a bad grid.
 */
class SweepTest {
    @TempDir
    Path dir;

    @Test
    void aSweepIsItsRunsInOrderAndTheCommandWritesTheTable() throws Exception {
        System.setProperty("spark.master", "local[2]");
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        try {
            List<AddingRun> runs = List.of(new AddingRun("tanh", 6, 4, 20, 4, 0.01, 1, 10),
                    new AddingRun("lstm", 6, 4, 20, 4, 0.01, 2, 10), new AddingRun("irnn", 5, 3, 10, 2, 0.01, 3, 5));
            List<AddingRun.Result> results;
            try (var sc = SparkMain.context("rnn4j sweep test")) {
                results = Sweep.run(sc, runs, AddingRun::train);
                assertEquals(List.of(), Sweep.run(sc, List.<AddingRun>of(), AddingRun::train));
            }
            assertEquals(3, results.size());
            for (int i = 0; i < runs.size(); i++) {
                AddingRun.Result alone = runs.get(i).train();
                assertEquals(runs.get(i), results.get(i).run(), "results in the grid's order");
                assertEquals(alone.finalMse(), results.get(i).finalMse(), 0.0, "a task reproduces its run exactly");
                assertArrayEquals(alone.curve()[1], results.get(i).curve()[1]);
            }
            Path out = dir.resolve("sweep");
            assertEquals(0, SparkMain.run(new String[] {"sweep", "--models", "tanh,irnn", "--T", "5", "--seeds", "1",
                "--steps", "10", "--eval-every", "5", "--hidden", "4", "--batch", "4", "--out", out.toString()}));
            List<String> lines = Files.readAllLines(out.resolve("sweep.csv"));
            assertEquals(3, lines.size(), String.join("\n", lines));
            assertTrue(lines.get(1).startsWith("tanh,5,") && lines.get(2).startsWith("irnn,5,"), lines.toString());
            System.setProperty("java.awt.headless", "true");
            boolean fonts = java.awt.GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames().length > 0;
            assertTrue(!fonts || Files.exists(out.resolve("sweep.png")), "the curves are plotted where Java 2D can draw");
            assertEquals(2, SparkMain.run(new String[] {"sweep", "--models", "transformer", "--out", out.toString()}));
        } finally {
            for (String p : new String[] {"spark.master", "spark.ui.enabled", "spark.driver.host", "spark.driver.bindAddress"}) {
                System.clearProperty(p);
            }
        }
    }
}

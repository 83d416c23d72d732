package io.rnn4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.io.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train}: its checkpoint records the replicas' backend; when a round fails for good (local[2]
 * retries no task), the state the earlier rounds reached is saved before it exits.
 */
class TrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void aRoundThatFailsForGoodLeavesTheLastGoodStateAndTheBackendIsRecorded() throws Exception {
        String[] props = {"spark.master", "local[2]", "spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1",
            "spark.driver.bindAddress", "127.0.0.1"};
        for (int i = 0; i < props.length; i += 2) {
            System.setProperty(props[i], props[i + 1]);
        }
        try {
            Path text = dir.resolve("text.txt");
            Files.writeString(text, "the quick brown fox jumps over the lazy dog. ".repeat(60));
            Path cp = dir.resolve("cp.safetensors");
            String[] args = {"train", "--text", text.toString(), "--partitions", "2", "--rounds", "4", "--local-steps",
                "2", "--hidden", "8", "--batch", "2", "--seq", "8", "--checkpoint-every", "100", "--checkpoint",
                cp.toString()};
            Faults.failOnce(2L, 0);
            int rc;
            try {
                rc = SparkMain.run(args);
            } finally {
                Faults.failOnce(null, null);
            }
            assertNotEquals(0, rc, "round 3 failed for good");
            assertTrue(Files.exists(cp), "the state after round 2 was saved");
            Checkpoint c = Checkpoint.read(cp);
            assertEquals("4", c.metadata().get("step"), "two rounds of two local steps");
            assertTrue(c.metadata().get("spark.replicaBackends").startsWith("CPU backend"), c.metadata().toString());
            assertTrue(c.metadata().get("backend").startsWith("CPU backend"), "the driver's backend");
        } finally {
            for (int i = 0; i < props.length; i += 2) {
                System.clearProperty(props[i]);
            }
        }
    }

    /**
     * A folder of files read by the executors (as an hdfs: or s3a: folder would be) gives the shards and
     * the model that the concatenated file (path order) gives when the driver reads it: the same bits.
     */
    @Test
    void aFolderReadThroughSparkTrainsAsItsConcatenationReadOnTheDriver() throws Exception {
        String[] props = {"spark.master", "local[2]", "spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1",
            "spark.driver.bindAddress", "127.0.0.1"};
        for (int i = 0; i < props.length; i += 2) {
            System.setProperty(props[i], props[i + 1]);
        }
        try {
            Path folder = Files.createDirectories(dir.resolve("corpus"));
            String[] parts = {"Now is the winter of our discontent ".repeat(9), "made glorious summer by this sun ".repeat(7),
                "of York; and all the clouds that lour'd ".repeat(8)};
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < parts.length; i++) {
                Files.writeString(folder.resolve("part-" + i + ".txt"), parts[i]);
                all.append(parts[i]);
            }
            Path whole = dir.resolve("whole.txt");
            Files.writeString(whole, all.toString());
            Path a = dir.resolve("a.safetensors");
            Path b = dir.resolve("b.safetensors");
            String[] common = {"--partitions", "3", "--rounds", "2", "--local-steps", "2", "--hidden", "6", "--batch",
                "2", "--seq", "6"};
            java.util.List<String> ra = new java.util.ArrayList<>(java.util.List.of("train", "--text",
                    folder.toUri().toString(), "--checkpoint", a.toString()));
            ra.addAll(java.util.List.of(common));
            java.util.List<String> rb = new java.util.ArrayList<>(java.util.List.of("train", "--text", whole.toString(),
                    "--checkpoint", b.toString()));
            rb.addAll(java.util.List.of(common));
            assertEquals(0, SparkMain.run(ra.toArray(new String[0])));
            assertEquals(0, SparkMain.run(rb.toArray(new String[0])));
            Checkpoint ca = Checkpoint.read(a);
            Checkpoint cb = Checkpoint.read(b);
            assertEquals(cb.metadata().get("vocabulary"), ca.metadata().get("vocabulary"));
            try (io.rnn4j.backend.cpu.CpuBackend be = new io.rnn4j.backend.cpu.CpuBackend();
                 io.rnn4j.train.Trainer ta = Checkpoint.load(a, be); io.rnn4j.train.Trainer tb = Checkpoint.load(b, be)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(tb.model().parameters().downloadAll(),
                        ta.model().parameters().downloadAll(), "the same shards, the same model");
            }
            assertNotEquals(0, SparkMain.run(new String[] {"train", "--text", dir.resolve("nothing-here").toUri()
                .toString(), "--checkpoint", a.toString()}));
        } finally {
            for (int i = 0; i < props.length; i += 2) {
                System.clearProperty(props[i]);
            }
        }
    }
}

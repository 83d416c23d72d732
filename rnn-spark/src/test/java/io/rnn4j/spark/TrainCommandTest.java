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
}

package io.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A save that is refused leaves the previous checkpoint as it was (reliability round 3, item 1). */
class CheckpointSaveTest {
    @TempDir
    Path dir;

    private static final RnnConfig MODEL = RnnConfig.tokens(11, 6).cell(CellType.GRU).seed(4).build();

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>();
        m.put(key, value);
        return m;
    }

    @Test
    void metadataThatCouldNotBeReadBackIsRefusedBeforeTheGoodFileIsTouched() throws Exception {
        Path file = dir.resolve("good.safetensors");
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01)).build())) {
            trainer.step(Batch.tokens(new int[][] {{1, 2, 3}}, new int[][] {{2, 3, 4}}));
            Checkpoint.save(file, trainer, Map.of("vocabulary", "[97]"));
            byte[] good = Files.readAllBytes(file);
            String big = "x".repeat((int) SafetensorsFile.MAX_HEADER);
            List<Map<String, String>> bad = List.of(with("v", null), with(null, "v"), with("v", "a\ud800b"),
                    with("k\udc00", "v"), with("v", "\udbff"), with("big", big), with("step", "9"),
                    with("sha256", "0"));
            List<String> says = List.of("null value", "key is null", "lone UTF-16 surrogate U+D800 at index 1",
                    "lone UTF-16 surrogate U+DC00", "U+DBFF at index 0", "more than the 16777216", "reserved",
                    "reserved");
            for (int i = 0; i < bad.size(); i++) {
                Map<String, String> meta = bad.get(i);
                Exception e = assertThrows(Exception.class, () -> Checkpoint.save(file, trainer, meta));
                assertTrue(e instanceof IllegalArgumentException || e instanceof CheckpointException, e.toString());
                assertTrue(e.getMessage().contains(says.get(i)), i + ": " + e.getMessage());
                assertArrayEquals(good, Files.readAllBytes(file), "case " + i + " changed the saved file");
            }
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of(file), s.toList(), "no temporary file is left behind");
            }
            // A surrogate pair (a character outside the BMP) is valid text and round-trips.
            Checkpoint.save(file, trainer, Map.of("note", "clef \ud834\udd1e"));
            assertEquals("clef \ud834\udd1e", Checkpoint.read(file).metadata().get("note"));
            // Provenance: the backend and kernel path that trained it, a reserved key.
            assertEquals(model.backend().description(), Checkpoint.read(file).metadata().get("backend"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(file, trainer,
                    Map.of("backend", "x"))).getMessage().contains("reserved"));
        }
    }

    @Test
    void safetensorsWritesRefuseRepeatedAndReservedTensorNames() {
        Path file = dir.resolve("t.safetensors");
        SafetensorsFile.Entry a = new SafetensorsFile.Entry("a", new long[] {1}, new float[] {1});
        SafetensorsFile.Entry meta = new SafetensorsFile.Entry("__metadata__", new long[] {1}, new float[] {1});
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SafetensorsFile.write(file, List.of(a, a), Map.of(), false)).getMessage().contains("used twice"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SafetensorsFile.write(file, List.of(meta), Map.of(), false)).getMessage().contains("reserved"));
        assertTrue(!Files.exists(file));
    }
}

package io.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.data.SequenceBatcher;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir
    Path dir;

    private static final RnnConfig MODEL = RnnConfig.tokens(13, 9).activation(Activation.PRELU).seed(5).build();
    private static final TrainerConfig TRAIN = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01))
            .carryState(true).build();

    private static int[] stream() {
        SplittableRandom r = new SplittableRandom(3);
        int[] s = new int[2000];
        for (int i = 0; i < s.length; i++) {
            s[i] = r.nextInt(13);
        }
        return s;
    }

    @Test
    void resumeIsBitIdentical() throws IOException {
        int n = 20;
        float[] straight;
        float[] straightHidden;
        float[] straightAdamV;
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            SequenceBatcher b = new SequenceBatcher(stream(), 4, 7);
            for (int i = 0; i < n; i++) {
                trainer.step(b.next());
            }
            straight = model.parameters().downloadAll();
            straightHidden = trainer.hiddenState();
            straightAdamV = trainer.optimizerState(1);
        }
        Path file = dir.resolve("half.safetensors");
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            SequenceBatcher b = new SequenceBatcher(stream(), 4, 7);
            for (int i = 0; i < n / 2; i++) {
                trainer.step(b.next());
            }
            Checkpoint.save(file, trainer, Map.of("batcher.window", Integer.toString(n / 2)));
        }
        // A fresh backend, model and trainer, as in a new process.
        CpuBackend backend = new CpuBackend();
        try (Trainer trainer = Checkpoint.load(file, backend)) {
            assertEquals(n / 2, trainer.stepCount());
            SequenceBatcher b = new SequenceBatcher(stream(), 4, 7);
            int skip = Integer.parseInt(Checkpoint.read(file).metadata().get("batcher.window"));
            for (int i = 0; i < skip; i++) {
                b.next();
            }
            for (int i = 0; i < n / 2; i++) {
                trainer.step(b.next());
            }
            assertArrayEquals(straight, trainer.model().parameters().downloadAll(), "parameters bit-identical");
            assertArrayEquals(straightHidden, trainer.hiddenState(), "carried state bit-identical");
            assertArrayEquals(straightAdamV, trainer.optimizerState(1), "Adam state bit-identical");
            trainer.model().close();
        }
        backend.close();
    }

    @Test
    void pytorchNamesAndLayouts() throws IOException {
        Path file = dir.resolve("m.safetensors");
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            trainer.step(Batch.tokens(new int[][] {{1, 2, 3}}, new int[][] {{2, 3, 4}}));
            Checkpoint.save(file, trainer, null);
            Checkpoint cp = Checkpoint.read(file);
            assertArrayEquals(new long[] {9, 9}, cp.shape("rnn.weight_hh_l0"));
            assertArrayEquals(new long[] {9, 13}, cp.shape("rnn.weight_ih_l0"));
            assertArrayEquals(new long[] {13, 9}, cp.shape("fc.weight"));
            assertArrayEquals(new long[] {9}, cp.shape("rnn.bias_ih_l0"));
            assertArrayEquals(new float[9], cp.tensors().get("rnn.bias_hh_l0"));
            float[] w = model.parameter(ParameterLayout.INPUT_WEIGHTS); // 13 × 9, row = token
            float[] ih = cp.tensors().get("rnn.weight_ih_l0"); // 9 × 13
            assertEquals(w[4 * 9 + 7], ih[7 * 13 + 4], 0f, "weight_ih_l0[j][i] = inputWeights[i][j]");
            assertArrayEquals(model.parameter(ParameterLayout.RECURRENT_WEIGHTS), cp.tensors().get("rnn.weight_hh_l0"));
            assertEquals(1, cp.step());
            assertEquals(MODEL, cp.modelConfig());
            assertEquals(TRAIN, cp.trainerConfig());
            // The data section starts on an 8-byte boundary, as safetensors readers expect.
            byte[] all = Files.readAllBytes(file);
            long n = java.nio.ByteBuffer.wrap(all).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + n) % 8);
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void bidirectionalStackedModelsRoundTripUnderPyTorchNames() throws IOException {
        RnnConfig cfg = RnnConfig.dense(3, 4, 2).cell(io.rnn4j.nn.CellType.GRU).layers(2).bidirectional(true).seed(8)
                .build();
        TrainerConfig tc = TrainerConfig.builder().loss(io.rnn4j.train.Loss.CROSS_ENTROPY_LAST_STEP)
                .optimizer(OptimizerConfig.adamW(0.01).weightDecay(0.1)).dropout(io.rnn4j.train.Dropout.variational(0.2))
                .build();
        Batch batch = Batch.denseClassification(2, 3, new float[] {1, 0, 2, -1, 3, 0, 0, 1, 1, 2, -2, 0, 1, 1, 0, 0, 2,
            1}, 3, new int[] {1, 0});
        Path file = dir.resolve("bi.safetensors");
        float[] params;
        double next;
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg); Trainer trainer = new Trainer(model, tc)) {
            trainer.step(batch);
            Checkpoint.save(file, trainer, null);
            params = model.parameters().downloadAll();
            next = trainer.step(batch).loss();
        }
        Checkpoint cp = Checkpoint.read(file);
        assertEquals(cfg, cp.modelConfig());
        assertEquals(tc, cp.trainerConfig());
        assertArrayEquals(new long[] {12, 3}, cp.shape("rnn.weight_ih_l0_reverse"), "GRU: 3H × D");
        assertArrayEquals(new long[] {12, 8}, cp.shape("rnn.weight_ih_l1"), "layer 1 reads both directions: 3H × 2H");
        assertArrayEquals(new long[] {12, 4}, cp.shape("rnn.weight_hh_l1_reverse"));
        assertArrayEquals(new long[] {2, 8}, cp.shape("fc.weight"), "the head reads both directions");
        try (CpuBackend be = new CpuBackend(); Trainer t = Checkpoint.load(file, be)) {
            assertArrayEquals(params, t.model().parameters().downloadAll());
            assertEquals(next, t.step(batch).loss(), 0.0, "resumes bit-identically (same dropout masks)");
            t.model().close();
        }
    }

    @Test
    void truncatedCorruptAndMismatchedFilesAreRejected() throws IOException {
        Path file = dir.resolve("c.safetensors");
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            Checkpoint.save(file, trainer, null);
        }
        byte[] good = Files.readAllBytes(file);
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, java.util.Arrays.copyOf(good, good.length - 10));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.write(bad, java.util.Arrays.copyOf(good, 5));
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.write(bad, java.util.Arrays.copyOf(good, 200));
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x40;
        Files.write(bad, flipped);
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        byte[] header = good.clone();
        header[8] = '#'; // the opening brace of the JSON header
        Files.write(bad, header);
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("corrupt header"), e.getMessage());
        // A different model: rejected, and the trainer is unchanged.
        RnnConfig other = RnnConfig.tokens(13, 10).activation(Activation.PRELU).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), other); Trainer trainer = new Trainer(model, TRAIN)) {
            float[] before = model.parameters().downloadAll();
            e = assertThrows(CheckpointException.class, () -> Checkpoint.read(file).restore(trainer));
            assertTrue(e.getMessage().contains("does not match"), e.getMessage());
            assertArrayEquals(before, model.parameters().downloadAll());
        }
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL);
             Trainer trainer = new Trainer(model, TRAIN.toBuilder().optimizer(OptimizerConfig.sgd(0.1)).build())) {
            e = assertThrows(CheckpointException.class, () -> Checkpoint.read(file).restore(trainer));
            assertTrue(e.getMessage().contains("optimizer"), e.getMessage());
        }
    }

    @Test
    void stackedGatedCellsResumeExactlyWithTheirCellState() throws IOException {
        for (io.rnn4j.nn.CellType cell : new io.rnn4j.nn.CellType[] {io.rnn4j.nn.CellType.LSTM,
                io.rnn4j.nn.CellType.GRU}) {
            RnnConfig model = RnnConfig.tokens(13, 6).cell(cell).layers(2).seed(9).build();
            float[] straight;
            try (RnnModel m = new RnnModel(new CpuBackend(), model); Trainer t = new Trainer(m, TRAIN)) {
                SequenceBatcher b = new SequenceBatcher(stream(), 3, 5);
                for (int i = 0; i < 8; i++) {
                    t.step(b.next());
                }
                straight = m.parameters().downloadAll();
            }
            Path file = dir.resolve(cell + ".safetensors");
            try (RnnModel m = new RnnModel(new CpuBackend(), model); Trainer t = new Trainer(m, TRAIN)) {
                SequenceBatcher b = new SequenceBatcher(stream(), 3, 5);
                for (int i = 0; i < 4; i++) {
                    t.step(b.next());
                }
                Checkpoint.save(file, t, null);
                Checkpoint cp = Checkpoint.read(file);
                int g = cell.gates();
                assertArrayEquals(new long[] {g * 6, 6}, cp.shape("rnn.weight_hh_l0"));
                assertArrayEquals(new long[] {g * 6, 13}, cp.shape("rnn.weight_ih_l0"));
                assertArrayEquals(new long[] {g * 6, 6}, cp.shape("rnn.weight_ih_l1"), "layer 1 reads H features");
                assertArrayEquals(new long[] {2, 3, 6}, cp.shape("state.hidden"), "L × B × H, as PyTorch's h_n");
                assertEquals(cell == io.rnn4j.nn.CellType.LSTM, cp.tensors().containsKey("state.cell"));
            }
            try (Trainer t = Checkpoint.load(file, new CpuBackend())) {
                SequenceBatcher b = new SequenceBatcher(stream(), 3, 5);
                for (int i = 0; i < 4; i++) {
                    b.next();
                }
                for (int i = 0; i < 4; i++) {
                    t.step(b.next());
                }
                assertArrayEquals(straight, t.model().parameters().downloadAll(), cell + " resumes bit-identically");
                t.model().close();
            }
        }
    }

    @Test
    void aCheckpointOfTheFirstFormatStillLoads() throws IOException {
        Path file = dir.resolve("v2.safetensors");
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            trainer.step(Batch.tokens(new int[][] {{1, 2, 3}}, new int[][] {{2, 3, 4}}));
            Checkpoint.save(file, trainer, null);
        }
        // The 0.1 layout: the same tensors, format /1, a checksum over the data section only.
        SafetensorsFile.Contents c = SafetensorsFile.read(file);
        Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
        meta.put("format", Checkpoint.FORMAT_1);
        meta.put(SafetensorsFile.CHECKSUM, c.dataChecksum());
        Path old = dir.resolve("v1.safetensors");
        SafetensorsFile.write(old, new java.util.ArrayList<>(c.tensors().values()), meta, false);
        try (CpuBackend be = new CpuBackend(); Trainer t = Checkpoint.load(old, be)) {
            assertEquals(1, t.stepCount());
            assertArrayEquals(c.tensors().get("fc.weight").data(), t.model().parameter(ParameterLayout.OUTPUT_WEIGHTS));
            t.model().close();
        }
        byte[] bytes = Files.readAllBytes(old);
        bytes[bytes.length - 5] ^= 1;
        Files.write(old, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(old));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }
}

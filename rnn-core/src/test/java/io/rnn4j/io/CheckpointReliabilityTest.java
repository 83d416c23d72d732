package io.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.ForwardingBackend;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints that cannot be half-trusted: the defects of the reliability review, each pinned by a test. */
class CheckpointReliabilityTest {
    @TempDir
    Path dir;

    private static final RnnConfig MODEL = RnnConfig.tokens(11, 6).cell(CellType.LSTM).seed(2).build();
    private static final TrainerConfig TRAIN = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01))
            .carryState(true).build();

    /** A checkpoint after two steps of {@link #MODEL}. */
    private Path saved(String name) throws Exception {
        Path file = dir.resolve(name);
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            Batch b = Batch.tokens(new int[][] {{1, 2, 3, 4}, {5, 6, 7, 8}}, new int[][] {{2, 3, 4, 5}, {6, 7, 8, 9}});
            trainer.step(b);
            trainer.step(b);
            Checkpoint.save(file, trainer, Map.of("vocabulary", "[97,98]"));
        }
        return file;
    }

    /** The file with one header string replaced by another of the same length. */
    private Path edited(Path file, String from, String to) throws Exception {
        assertEquals(from.length(), to.length());
        byte[] all = Files.readAllBytes(file);
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(from);
        assertTrue(at > 0, "'" + from + "' in the header");
        byte[] repl = to.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(repl, 0, all, at, repl.length);
        Path out = dir.resolve("edited-" + file.getFileName());
        Files.write(out, all);
        return out;
    }

    @Test
    void editsToTheHeaderAreCaughtByTheChecksum() throws Exception {
        Path file = saved("h.safetensors");
        Checkpoint.read(file);
        // Configurations are JSON strings inside the metadata: their quotes are escaped in the raw header.
        for (String[] edit : new String[][] {{"learningRate\\\":0.00", "learningRate\\\":0.01"},
            {"\"step\":\"2\"", "\"step\":\"7\""}, {"[97,98]", "[97,99]"}, {"hiddenSize\\\":6", "hiddenSize\\\":5"}}) {
            Path bad = edited(file, edit[0], edit[1]);
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad), edit[0]);
            // An edit that makes the configuration disagree with the tensors is refused before the data is read.
            assertTrue(e.getMessage().contains("checksum mismatch") || e.getMessage().contains("was changed or is corrupt"),
                    e.getMessage());
        }
    }

    @Test
    void aHeaderNestedFiftyThousandLevelsIsACheckpointException() throws Exception {
        String json = "{\"a\":" + "[".repeat(50_000) + "]".repeat(50_000) + "}";
        Path file = dir.resolve("deep.safetensors");
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + j.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(j.length).put(j);
        Files.write(file, b.array());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
    }

    @Test
    void hugeAndEndlessFilesAreRefusedBeforeTheirDataIsRead() throws Exception {
        Path sparse = dir.resolve("huge.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(3L << 30); // 3 GB of zeros, sparse: header length 0
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(sparse));
        assertTrue(e.getMessage().contains("header length 0"), e.getMessage());
        // A valid header followed by 3 GB: the header describes far fewer bytes, and nothing is read.
        Path file = saved("g.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("the header describes"), e.getMessage());
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.isReadable(zero), "no /dev/zero here");
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(zero));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    /** Records every tensor it allocates, to check that a failed load closes them all. */
    static final class Tracking extends ForwardingBackend {
        final List<Tensor> tensors = new ArrayList<>();
        final List<IndexBuffer> indices = new ArrayList<>();

        Tracking(Backend inner) {
            super(inner);
        }

        @Override
        public Tensor allocate(int rows, int cols) {
            Tensor t = super.allocate(rows, cols);
            tensors.add(t);
            return t;
        }

        @Override
        public IndexBuffer allocateIndices(int length) {
            IndexBuffer b = super.allocateIndices(length);
            indices.add(b);
            return b;
        }

        long open() {
            return tensors.stream().filter(t -> !t.buffer().isClosed()).count()
                    + indices.stream().filter(b -> !b.isClosed()).count();
        }
    }

    @Test
    void aHeaderThatDisagreesWithItsTensorsFailsBeforeAnythingIsAllocated() throws Exception {
        Path file = saved("m.safetensors");
        // Re-save the same tensors under a header claiming H = 5 (a consistent file with a wrong config).
        SafetensorsFile.Contents c = SafetensorsFile.read(file);
        Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
        meta.remove(SafetensorsFile.CHECKSUM);
        meta.put("model", meta.get("model").replace("\"hiddenSize\":6", "\"hiddenSize\":5"));
        Path bad = dir.resolve("lying.safetensors");
        SafetensorsFile.write(bad, new ArrayList<>(c.tensors().values()), meta, true);
        try (Tracking backend = new Tracking(new CpuBackend())) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(bad, backend));
            assertTrue(e.getMessage().contains("has shape [24, 11], the configuration needs [20, 11]"), e.getMessage());
            assertEquals(0, backend.tensors.size(), "nothing allocated");
        }
    }

    @Test
    void aLoadThatFailsAfterAllocatingClosesEverything() throws Exception {
        Path file = saved("s.safetensors");
        SafetensorsFile.Contents c = SafetensorsFile.read(file);
        List<SafetensorsFile.Entry> tensors = new ArrayList<>();
        for (SafetensorsFile.Entry e : c.tensors().values()) {
            float[] v = e.data().clone();
            if (e.name().equals("state.hidden")) {
                v[3] = Float.NaN; // caught by the training-state check, after the model exists
            }
            tensors.add(new SafetensorsFile.Entry(e.name(), e.shape(), v));
        }
        Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
        meta.remove(SafetensorsFile.CHECKSUM);
        Path bad = dir.resolve("nan-state.safetensors");
        SafetensorsFile.write(bad, tensors, meta, true);
        try (Tracking backend = new Tracking(new CpuBackend())) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(bad, backend));
            assertTrue(e.getMessage().contains("state.hidden"), e.getMessage());
            assertTrue(backend.tensors.size() > 0, "the model was allocated");
            assertEquals(0, backend.open(), "and closed again");
        }
    }

    @Test
    void aRestoreThatFailsChangesNothing() throws Exception {
        Path file = saved("r.safetensors");
        SafetensorsFile.Contents c = SafetensorsFile.read(file);
        List<SafetensorsFile.Entry> tensors = new ArrayList<>();
        for (SafetensorsFile.Entry e : c.tensors().values()) {
            float[] v = e.data().clone();
            if (e.name().equals("fc.bias")) {
                v[v.length - 1] = Float.POSITIVE_INFINITY; // the last parameter in file order
            }
            tensors.add(new SafetensorsFile.Entry(e.name(), e.shape(), v));
        }
        Map<String, String> meta = new java.util.LinkedHashMap<>(c.metadata());
        meta.remove(SafetensorsFile.CHECKSUM);
        Path bad = dir.resolve("inf.safetensors");
        SafetensorsFile.write(bad, tensors, meta, true);
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            trainer.step(Batch.tokens(new int[][] {{1, 2}}, new int[][] {{2, 3}}));
            float[] params = model.parameters().downloadAll();
            float[] adam = trainer.optimizerState(0);
            float[] hidden = trainer.hiddenState();
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad).restore(trainer));
            assertTrue(e.getMessage().contains("'fc.bias' holds Infinity"), e.getMessage());
            assertArrayEquals(params, model.parameters().downloadAll(), "parameters unchanged");
            assertArrayEquals(adam, trainer.optimizerState(0), "optimizer state unchanged");
            assertArrayEquals(hidden, trainer.hiddenState(), "carried state unchanged");
            assertEquals(1, trainer.stepCount());
        }
    }

    @Test
    void nonFiniteParametersAreNotSaved() throws Exception {
        Path file = dir.resolve("nan.safetensors");
        try (RnnModel model = new RnnModel(new CpuBackend(), MODEL); Trainer trainer = new Trainer(model, TRAIN)) {
            float[] u = model.parameter(ParameterLayout.RECURRENT_WEIGHTS);
            u[5] = Float.NaN;
            model.parameters().upload(ParameterLayout.RECURRENT_WEIGHTS, u); // around setParameter's check
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.save(file, trainer, null));
            assertTrue(e.getMessage().contains("'rnn.weight_hh_l0' holds NaN at index 5"), e.getMessage());
        }
        assertFalse(Files.exists(file), "nothing written");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary file either");
        }
    }

    @Test
    void staleTemporaryFilesOfTheSameTargetAreRemovedAtTheNextSave() throws Exception {
        Path stale = dir.resolve(".t.safetensors.1f2e3d.tmp");
        Path fresh = dir.resolve(".t.safetensors.4c5b6a.tmp");
        Path other = dir.resolve(".other.safetensors.777.tmp");
        for (Path p : new Path[] {stale, fresh, other}) {
            Files.write(p, new byte[100]);
        }
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(stale, old);
        Files.setLastModifiedTime(other, old);
        saved("t.safetensors");
        assertFalse(Files.exists(stale), "a killed writer's file is removed");
        assertTrue(Files.exists(fresh), "a file another writer may still be writing stays");
        assertTrue(Files.exists(other), "files of other targets stay");
    }

    @Test
    void theFileModeFollowsTheUmaskLikeAnyOtherFile() throws Exception {
        assumeTrue(Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null, "not a POSIX file system");
        Path file = saved("p.safetensors");
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
    }

    @Test
    void theWeightsLoadIntoPyTorchWithTheDocumentedFilter() throws Exception {
        // load_state_dict(..., strict=True) on nn.LSTM + nn.Linear needs exactly these keys after the
        // filter k.startswith(("rnn.", "fc.")), with the "rnn."/"fc." module prefixes.
        Checkpoint cp = Checkpoint.read(saved("k.safetensors"));
        Set<String> kept = new TreeSet<>();
        for (String k : cp.tensors().keySet()) {
            if (k.startsWith("rnn.") || k.startsWith("fc.")) {
                kept.add(k);
            }
        }
        assertEquals(new TreeSet<>(List.of("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                "fc.weight", "fc.bias")), kept);
        assertTrue(cp.tensors().keySet().containsAll(List.of("optimizer.state0", "optimizer.state1", "state.hidden",
                "state.cell")), "the training state is there too, as tensors");
        assertEquals("[97,98]", cp.metadata().get("vocabulary"));
    }

    @Test
    void aPyTorchStateDictImportsIntoAModelOfTheSameShape() throws Exception {
        RnnConfig cfg = RnnConfig.tokens(5, 3).cell(CellType.GRU).layers(2).seed(4).build();
        List<SafetensorsFile.Entry> dict = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int l = 0; l < 2; l++) {
            dict.add(random("gru.weight_ih_l" + l, r, 9, l == 0 ? 5 : 3));
            dict.add(random("gru.weight_hh_l" + l, r, 9, 3));
            dict.add(random("gru.bias_ih_l" + l, r, 9));
            dict.add(random("gru.bias_hh_l" + l, r, 9));
        }
        dict.add(random("out.weight", r, 5, 3));
        dict.add(random("out.bias", r, 5));
        Path file = dir.resolve("torch.safetensors");
        SafetensorsFile.write(file, dict, Map.of(), false);
        try (CpuBackend be = new CpuBackend(); RnnModel m = Checkpoint.importPyTorch(file, cfg, be, "gru.", "out.")) {
            float[] ih = dict.get(0).data(); // 9 × 5: rnn4j stores its transpose
            float[] w = m.parameter(ParameterLayout.INPUT_WEIGHTS); // 5 × 9
            assertEquals(ih[7 * 5 + 2], w[2 * 9 + 7]);
            assertArrayEquals(dict.get(3).data(), m.parameter(ParameterLayout.RECURRENT_BIAS), "GRU keeps b_hh apart");
            assertArrayEquals(dict.get(dict.size() - 2).data(), m.parameter(ParameterLayout.OUTPUT_WEIGHTS));
        }
        dict.set(1, random("gru.weight_hh_l0", r, 9, 4));
        SafetensorsFile.write(file, dict, Map.of(), false);
        try (CpuBackend be = new CpuBackend()) {
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> Checkpoint.importPyTorch(file, cfg, be, "gru.", "out."));
            assertTrue(e.getMessage().contains("'gru.weight_hh_l0' has shape [9, 4], the configuration needs [9, 3]"),
                    e.getMessage());
            e = assertThrows(CheckpointException.class, () -> Checkpoint.importPyTorch(file, cfg, be));
            assertTrue(e.getMessage().contains("no tensor 'rnn.weight_"), e.getMessage());
        }
    }

    private static SafetensorsFile.Entry random(String name, java.util.SplittableRandom r, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new SafetensorsFile.Entry(name, shape, v);
    }

    @Test
    void float64TensorsOfAPyTorchFileAreRead() throws Exception {
        // Hand-written F64 file: {"x": F64 [2]}.
        String json = "{\"x\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + j.length + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(j.length).put(j).putDouble(0.25).putDouble(-3);
        Path file = dir.resolve("f64.safetensors");
        Files.write(file, b.array());
        SafetensorsFile.Contents c = SafetensorsFile.read(file);
        assertArrayEquals(new float[] {0.25f, -3f}, c.tensors().get("x").data());
        assertFalse(c.checksumOk());
        String bf16 = json.replace("F64", "BF16");
        Files.write(file, ByteBuffer.allocate(8 + bf16.length() + 16).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(bf16.length()).put(bf16.getBytes(StandardCharsets.UTF_8)).array());
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.read(file));
        assertTrue(e.getMessage().contains("dtype BF16 (rnn4j reads F32 and F64)"), e.getMessage());
    }
}

package io.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.internal.Json;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading is bounded by what is checked (reliability round 3, items 2, 4 and 5): the layout is checked
 * against the configuration before any data is read, the data is read in chunks while it is hashed, only
 * regular files are opened, a resealed checkpoint with impossible optimizer state is refused, and a
 * PyTorch import is strict about tensors the model has no place for.
 */
class CheckpointReadingTest {
    @TempDir
    Path dir;

    private static final RnnConfig MODEL = RnnConfig.tokens(11, 6).cell(CellType.LSTM).seed(2).build();

    private Path saved(String name, RnnConfig config) throws Exception {
        Path file = dir.resolve(name);
        try (RnnModel model = new RnnModel(new CpuBackend(), config);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01)).build())) {
            trainer.step(Batch.tokens(new int[][] {{1, 2, 3}}, new int[][] {{2, 3, 4}}));
            Checkpoint.save(file, trainer, null);
        }
        return file;
    }

    /** A safetensors file written byte by byte: the header as given, then {@code dataBytes} (sparse when large). */
    private Path raw(String name, Map<String, Object> header, long dataBytes, byte[] data) throws Exception {
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
            f.write(len.array());
            f.write(json);
            if (data != null) {
                f.write(data);
            }
            f.setLength(8 + json.length + dataBytes);
        }
        return file;
    }

    private static Map<String, Object> tensor(String dtype, List<Long> shape, long begin, long end) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("dtype", dtype);
        t.put("shape", shape);
        t.put("data_offsets", List.of(begin, end));
        return t;
    }

    @Test
    void aHugeTensorThatTheConfigurationHasNoPlaceForIsRefusedBeforeItsDataIsRead() throws Exception {
        Path good = saved("good.safetensors", MODEL);
        Map<String, String> meta = Checkpoint.read(good).metadata();
        long huge = 2L << 30;  // 2 GiB of sparse zeros behind a valid layout
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", meta);
        header.put("rnn.weight_ih_l0", tensor("F32", List.of(huge / 4), 0, huge));
        Path file = raw("huge.safetensors", header, huge, null);
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(CheckpointException.class, () -> Checkpoint.read(file)));
        assertTrue(e.getMessage().contains("do not match its own configuration")
                && e.getMessage().contains("'rnn.weight_ih_l0' has shape [536870912]"), e.getMessage());
        e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(CheckpointException.class,
                () -> Checkpoint.importPyTorch(file, MODEL, new CpuBackend())));
        assertTrue(e.getMessage().contains("'rnn.weight_ih_l0' has shape"), e.getMessage());
    }

    /** A malformed entry is described in the file's terms, never by a Java class or method name. */
    @Test
    void malformedEntriesAreNamedInTheFilesTerms() throws Exception {
        Object[][] cases = {
            {tensorWith("shape", "abc"), "its shape is the string \"abc\""},
            {tensorWith("data_offsets", null), "its data_offsets are null"},
            {tensorWith("dtype", 5L), "dtype the number 5"},
            {tensorWith("shape", List.of("x")), "size 0 of the shape is the string \"x\", not an integer"},
            {tensorWith("data_offsets", List.of(0L, 1.5)), "the second data offset is the number 1.5"},
            {"not an object", "its entry is the string"},
        };
        for (Object[] c : cases) {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("t", c[0]);
            Path file = raw("malformed.safetensors", header, 4, null);
            CheckpointException e = assertThrows(CheckpointException.class, () -> SafetensorsFile.read(file));
            assertTrue(e.getMessage().contains((String) c[1]) && !e.getMessage().contains("java.")
                    && !e.getMessage().contains("Cannot invoke"), e.getMessage());
        }
        // An overflowing hidden size in a configuration: the sizes in the message are the real ones.
        Path good = saved("cfg.safetensors", MODEL);
        SafetensorsFile.Contents c = SafetensorsFile.read(good);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.remove(SafetensorsFile.CHECKSUM);
        meta.put("model", meta.get("model").replace("\"hiddenSize\":6", "\"hiddenSize\":1073741824"));
        Path bad = dir.resolve("overflow.safetensors");
        SafetensorsFile.write(bad, new ArrayList<>(c.tensors().values()), meta, true);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains("needs [4294967296, 11]"), e.getMessage());
    }

    private static Map<String, Object> tensorWith(String key, Object value) {
        Map<String, Object> t = new LinkedHashMap<>(tensor("F32", List.of(1L), 0, 4));
        t.put(key, value);
        return t;
    }

    @Test
    void aFifoIsRefusedInsteadOfHanging() throws Exception {
        Path fifo = dir.resolve("pipe.safetensors");
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "no mkfifo here: " + e.getMessage());
            return;
        }
        assumeTrue(p.waitFor() == 0 && Files.exists(fifo), "mkfifo failed");
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(CheckpointException.class, () -> Checkpoint.read(fifo)));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir));
        assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Checkpoint.read(dir.resolve("missing.safetensors")));
        assertTrue(e.getMessage().endsWith("no such file"), e.getMessage());
    }

    /** Values that straddle the reader's chunks (an F64 tensor after an odd-sized F32 one) land where they belong. */
    @Test
    void tensorsLargerThanAChunkAndStraddlingValuesAreReadExactly() throws Exception {
        int n32 = 3;
        int n64 = SafetensorsReader.CHUNK / 8 + 1001;
        ByteBuffer data = ByteBuffer.allocate(4 * n32 + 8 * n64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n32; i++) {
            data.putFloat(i + 0.5f);
        }
        for (int i = 0; i < n64; i++) {
            data.putDouble(i * 0.25);
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("a", tensor("F32", List.of((long) n32), 0, 4L * n32));
        header.put("b", tensor("F64", List.of((long) n64), 4L * n32, 4L * n32 + 8L * n64));
        Path file = raw("chunks.safetensors", header, data.capacity(), data.array());
        SafetensorsFile.Contents c = SafetensorsFile.read(file);
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f}, c.tensors().get("a").data());
        float[] b = c.tensors().get("b").data();
        assertEquals(n64, b.length);
        for (int i = 0; i < n64; i += 997) {
            assertEquals((float) (i * 0.25), b[i], "value " + i);
        }
        assertEquals((float) ((n64 - 1) * 0.25), b[n64 - 1]);
    }

    /** Reading allocates about the tensors' size, not twice it (no copy of the whole data section). */
    @Test
    void peakMemoryStaysNearTheSizeOfTheTensors() throws Exception {
        RnnConfig big = RnnConfig.tokens(50, 1024).seed(1).build();
        Path file = saved("big.safetensors", big);
        long dataBytes = Files.size(file);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Checkpoint.read(file);  // warm up the code paths
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        Checkpoint cp = Checkpoint.read(file);
        long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(cp.tensors().size() > 0);
        assertTrue(allocated < 1.25 * dataBytes + (3 << 20), "reading a " + dataBytes + "-byte checkpoint allocated "
                + allocated + " bytes");
    }

    /** A resealed checkpoint (checksum recomputed) whose Adam v holds a negative value is refused. */
    @Test
    void aResealedCheckpointWithANegativeSecondMomentIsRefused() throws Exception {
        Path good = saved("adam.safetensors", MODEL);
        SafetensorsFile.Contents c = SafetensorsFile.read(good);
        List<SafetensorsFile.Entry> tensors = new ArrayList<>(c.tensors().values());
        for (int i = 0; i < tensors.size(); i++) {
            SafetensorsFile.Entry e = tensors.get(i);
            if (e.name().equals("optimizer.state1")) {
                float[] v = e.data().clone();
                v[5] = -0.5f;
                tensors.set(i, new SafetensorsFile.Entry(e.name(), e.shape(), v));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.remove(SafetensorsFile.CHECKSUM);
        Path bad = dir.resolve("resealed.safetensors");
        SafetensorsFile.write(bad, tensors, meta, true);
        try (CpuBackend be = new CpuBackend()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(bad, be));
            assertTrue(e.getMessage().contains("can never be negative"), e.getMessage());
        }
    }

    @Test
    void aPyTorchImportRefusesTensorsTheModelHasNoPlaceForUnlessAskedNotTo() throws Exception {
        RnnConfig two = RnnConfig.tokens(11, 6).cell(CellType.LSTM).layers(2).seed(2).build();
        Path file = saved("two.safetensors", two);
        Map<String, SafetensorsFile.Entry> t = SafetensorsFile.read(file).tensors();
        List<SafetensorsFile.Entry> dict = new ArrayList<>();
        t.forEach((k, v) -> {
            if (k.startsWith("rnn.") || k.startsWith("fc.")) {
                dict.add(v);
            }
        });
        dict.add(new SafetensorsFile.Entry("embedding.weight", new long[] {2}, new float[] {1, 2}));  // another module
        Path torch = dir.resolve("torch.safetensors");
        SafetensorsFile.write(torch, dict, Map.of(), false);
        try (CpuBackend be = new CpuBackend()) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.importPyTorch(torch, MODEL, be));
            assertTrue(e.getMessage().contains("'rnn.weight_ih_l1' has no place in this model")
                    && e.getMessage().contains("the model has 1 layer"), e.getMessage());
            try (RnnModel m = Checkpoint.importPyTorch(torch, MODEL, be, "rnn.", "fc.", false)) {
                assertArrayEquals(t.get("rnn.weight_hh_l0").data(), m.parameter("recurrentWeights"),
                        "strict = false: layer 0 loads, layer 1 is ignored");
            }
            for (SafetensorsFile.Entry extra : List.of(new SafetensorsFile.Entry("rnn.weight_hr_l0", new long[] {1},
                    new float[1]), new SafetensorsFile.Entry("fc.scale", new long[] {1}, new float[1]))) {
                List<SafetensorsFile.Entry> one = new ArrayList<>();
                t.forEach((k, v) -> {
                    if (k.startsWith("rnn.") && !k.contains("_l1") || k.startsWith("fc.")) {
                        one.add(v);
                    }
                });
                one.add(extra);
                SafetensorsFile.write(torch, one, Map.of(), false);
                e = assertThrows(CheckpointException.class, () -> Checkpoint.importPyTorch(torch, MODEL, be));
                assertTrue(e.getMessage().contains("'" + extra.name() + "' has no place"), e.getMessage());
            }
        }
    }
}

package io.rnn4j.io;

import io.rnn4j.internal.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The <a href="https://github.com/huggingface/safetensors">safetensors</a> layout, read and written
 * defensively: an 8-byte little-endian header length, a JSON header (tensor name → dtype, shape,
 * data offsets; {@code __metadata__} → strings), then the raw little-endian data, 8-byte aligned.
 *
 * <p><b>Writing</b> is atomic: a temporary file beside the target (created with the default
 * permissions, so the umask applies as to any file the user writes), flushed to disk, renamed over
 * the target, the folder synced. Temporary files of the same target that a killed writer left and
 * that have not changed for a minute are removed at the next write; a failed write removes its
 * own. With a checksum, the metadata entry {@value #CHECKSUM} is the SHA-256 of the whole file with
 * that entry's 64 hex digits set to {@code 0}: header and data together.
 *
 * <p><b>Reading</b> checks the header length against {@value #MAX_HEADER} bytes and the file size
 * before reading it, parses it with bounded nesting, checks every tensor's dtype, shape and offsets
 * and that the tensors cover the data section exactly, and only then reads the data. F32 and F64
 * tensors are read (F64 converted); other dtypes are refused by name. Every problem is a
 * {@link CheckpointException} naming the file and what is wrong.
 */
public final class SafetensorsFile {
    /** The largest header read (rnn4j's headers are a few kilobytes). */
    public static final long MAX_HEADER = 16L << 20;
    /** The metadata entry holding the whole-file SHA-256. */
    public static final String CHECKSUM = "sha256";
    private static final long STALE_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsFile.class);

    private SafetensorsFile() {
    }

    /** One tensor: its name, shape and values (row-major). */
    public record Entry(String name, long[] shape, float[] data) {
        /** {@return the product of the shape} */
        public long count() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * What a file holds.
     *
     * @param metadata the {@code __metadata__} strings (empty when absent)
     * @param tensors every tensor in file order
     * @param checksumOk whether a whole-file checksum is present and matches
     * @param dataChecksum the SHA-256 of the data section alone (for files of the first rnn4j format)
     */
    public record Contents(Map<String, String> metadata, Map<String, Entry> tensors, boolean checksumOk,
                           String dataChecksum) {
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes {@code tensors} (F32) and {@code metadata} to {@code file}, atomically.
     *
     * @param file the file
     * @param tensors the tensors, written in this order
     * @param metadata string metadata
     * @param checksum whether to embed the whole-file SHA-256 as {@value #CHECKSUM}
     * @throws IOException when the file cannot be written
     */
    public static void write(Path file, List<Entry> tensors, Map<String, String> metadata, boolean checksum)
            throws IOException {
        checkNames(tensors, metadata, checksum);
        long total = 0;
        for (Entry e : tensors) {
            if (e.count() != e.data().length) {
                throw new IllegalArgumentException("tensor '" + e.name() + "' has shape " + Arrays.toString(e.shape())
                        + " but " + e.data().length + " values");
            }
            total += 4L * e.data().length;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IOException("safetensors data of " + total + " bytes is too large");
        }
        ByteBuffer data = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, Object> meta = new LinkedHashMap<>(metadata);
        if (checksum) {
            meta.put(CHECKSUM, "0".repeat(64));
        }
        header.put("__metadata__", meta);
        for (Entry e : tensors) {
            long begin = data.position();
            for (float f : e.data()) {
                data.putFloat(f);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            List<Object> shape = new ArrayList<>();
            for (long d : e.shape()) {
                shape.add(d);
            }
            info.put("shape", shape);
            info.put("data_offsets", List.of(begin, (long) data.position()));
            header.put(e.name(), info);
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // align the data to 8 bytes, padding with spaces
        if (json.length + pad > MAX_HEADER) {
            throw new CheckpointException("not saved: a header of " + (json.length + pad) + " bytes is more than the "
                    + MAX_HEADER + " that reading accepts (the metadata is too large)");
        }
        byte[] head = new byte[8 + json.length + pad];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad);
        System.arraycopy(json, 0, head, 8, json.length);
        Arrays.fill(head, 8 + json.length, head.length, (byte) ' ');
        if (checksum) {
            int at = checksumOffset(head, 8, json.length);
            byte[] digest = digest(head, data.array());
            byte[] hex = HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(hex, 0, head, at, 64);
        }
        writeAtomically(file, ByteBuffer.wrap(head), ByteBuffer.wrap(data.array()));
    }

    /**
     * Refuses, before anything is written, what would make a file that cannot be read back: a null
     * or malformed name or value (a lone UTF-16 surrogate has no UTF-8 form), a repeated tensor name,
     * a tensor named {@code __metadata__}, a caller's entry named like the checksum.
     */
    private static void checkNames(List<Entry> tensors, Map<String, String> metadata, boolean checksum) {
        if (metadata == null) {
            throw new IllegalArgumentException("metadata is null (pass an empty map for none)");
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            checkText("a metadata key", key);
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata '" + key + "' has a null value (metadata values are strings)");
            }
            checkText("the value of metadata '" + key + "'", e.getValue());
            if (checksum && key.equals(CHECKSUM)) {
                throw new IllegalArgumentException("metadata key '" + CHECKSUM + "' is reserved for the checksum");
            }
        }
        Set<String> seen = new HashSet<>();
        for (Entry e : tensors) {
            checkText("a tensor name", e.name());
            if (e.name().equals("__metadata__")) {
                throw new IllegalArgumentException("tensor name '__metadata__' is reserved");
            }
            if (!seen.add(e.name())) {
                throw new IllegalArgumentException("tensor name '" + e.name() + "' is used twice");
            }
        }
    }

    /** Throws when {@code s} is null or holds a UTF-16 surrogate without its other half. */
    static void checkText(String what, String s) {
        if (s == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " holds a lone UTF-16 surrogate U+"
                        + HexFormat.of().withUpperCase().toHexDigits(c) + " at index " + i
                        + " (it has no UTF-8 form and would be written as '?')");
            }
        }
    }

    private static void writeAtomically(Path file, ByteBuffer head, ByteBuffer data) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String prefix = "." + file.getFileName() + ".";
        removeStale(dir, prefix);
        Path tmp = dir.resolve(prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (head.hasRemaining()) {
                    ch.write(head);
                }
                while (data.hasRemaining()) {
                    ch.write(data);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // make the rename durable where the platform allows it
            } catch (IOException | UnsupportedOperationException ignored) {
                // Directories cannot be opened for syncing on every platform.
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes temporary files of the same target unchanged for a minute (left by a killed writer). */
    private static void removeStale(Path dir, String prefix) {
        long now = System.currentTimeMillis();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".tmp");
        })) {
            for (Path p : ds) {
                FileTime t = Files.getLastModifiedTime(p);
                if (now - t.toMillis() > STALE_MILLIS) {
                    Files.deleteIfExists(p);
                    LOG.info("removed a temporary file left by an interrupted write: {}", p);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not look for stale temporary files in {}: {}", dir, e.toString());
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads and checks a file.
     *
     * @param file the file
     * @return its tensors, metadata and checksum state
     * @throws CheckpointException for a truncated, corrupt or unsupported file, naming the problem
     * @throws IOException when the file cannot be read
     */
    @SuppressWarnings("unchecked")
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointException(file + ": truncated (" + size + " bytes, no header length)");
            }
            byte[] lengthBytes = readFully(ch, 0, 8);
            long n = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n <= 0 || n > MAX_HEADER || n > size - 8) {
                throw new CheckpointException(file + ": header length " + n + " does not fit a file of " + size
                        + " bytes (at most " + MAX_HEADER + "; truncated or not a safetensors file)");
            }
            byte[] head = new byte[(int) (8 + n)];
            System.arraycopy(lengthBytes, 0, head, 0, 8);
            System.arraycopy(readFully(ch, 8, (int) n), 0, head, 8, (int) n);
            Map<String, Object> header;
            try {
                Object parsed = Json.parse(new String(head, 8, (int) n, StandardCharsets.UTF_8).trim());
                if (!(parsed instanceof Map)) {
                    throw new IllegalArgumentException("the header is not a JSON object");
                }
                header = (Map<String, Object>) parsed;
            } catch (RuntimeException e) {
                throw new CheckpointException(file + ": corrupt header: " + e.getMessage(), e);
            }
            Map<String, String> meta = metadata(file, header.remove("__metadata__"));
            long dataLen = size - 8 - n;
            Map<String, long[]> layout = layout(file, header, dataLen);
            if (dataLen > Integer.MAX_VALUE - 16) {
                throw new CheckpointException(file + ": a data section of " + dataLen + " bytes is more than rnn4j reads");
            }
            byte[] data = readFully(ch, 8 + n, (int) dataLen);
            boolean ok = false;
            if (meta.containsKey(CHECKSUM)) {
                int at = checksumOffset(head, 8, (int) n);
                if (at >= 0) {
                    byte[] zeroed = head.clone();
                    Arrays.fill(zeroed, at, at + 64, (byte) '0');
                    ok = HexFormat.of().formatHex(digest(zeroed, data)).equals(meta.get(CHECKSUM));
                }
            }
            String dataDigest = HexFormat.of().formatHex(digest(new byte[0], data));
            return new Contents(meta, tensors(layout, header, data), ok, dataDigest);
        }
    }

    private static Map<String, String> metadata(Path file, Object meta) throws CheckpointException {
        Map<String, String> out = new LinkedHashMap<>();
        if (meta == null) {
            return out;
        }
        if (!(meta instanceof Map<?, ?> m)) {
            throw new CheckpointException(file + ": corrupt header: __metadata__ is not an object");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw new CheckpointException(file + ": corrupt header: metadata '" + e.getKey()
                        + "' is not a string");
            }
            out.put(String.valueOf(e.getKey()), v);
        }
        return out;
    }

    /**
     * Checks every tensor entry: dtype F32 or F64, a shape of non-negative sizes, offsets inside the
     * data section that match the shape, no overlaps, and the data section covered exactly.
     * Returns name → {begin, end, bytes per value, dims...}.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, long[]> layout(Path file, Map<String, Object> header, long dataLen)
            throws CheckpointException {
        Map<String, long[]> out = new LinkedHashMap<>();
        long covered = 0;
        List<long[]> spans = new ArrayList<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            try {
                if (!(e.getValue() instanceof Map)) {
                    throw new IllegalArgumentException("not an object");
                }
                Map<String, Object> info = (Map<String, Object>) e.getValue();
                Object dtype = info.get("dtype");
                int width;
                if ("F32".equals(dtype)) {
                    width = 4;
                } else if ("F64".equals(dtype)) {
                    width = 8;
                } else {
                    throw new IllegalArgumentException("dtype " + dtype + " (rnn4j reads F32 and F64)");
                }
                List<Object> shape = (List<Object>) info.get("shape");
                List<Object> off = (List<Object>) info.get("data_offsets");
                if (shape == null || off == null || off.size() != 2 || shape.size() > 8) {
                    throw new IllegalArgumentException("needs a shape (at most 8 dimensions) and two data_offsets");
                }
                long count = 1;
                long[] row = new long[3 + shape.size()];
                for (int k = 0; k < shape.size(); k++) {
                    long d = ((Number) shape.get(k)).longValue();
                    if (d < 0 || d > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("dimension " + d + " of the shape is out of range");
                    }
                    count = Math.multiplyExact(count, d);
                    row[3 + k] = d;
                }
                long begin = ((Number) off.get(0)).longValue();
                long end = ((Number) off.get(1)).longValue();
                if (end > dataLen && begin >= 0 && end >= begin) {
                    throw new CheckpointException(file + ": truncated: tensor '" + name + "' ends at byte " + end
                            + " of the data section, the file holds " + dataLen);
                }
                if (begin < 0 || end < begin || end > dataLen || end - begin != Math.multiplyExact(count, width)) {
                    throw new IllegalArgumentException("offsets [" + begin + ", " + end + ") do not hold " + count
                            + " values of " + width + " bytes inside " + dataLen + " bytes of data");
                }
                row[0] = begin;
                row[1] = end;
                row[2] = width;
                spans.add(new long[] {begin, end});
                covered += end - begin;
                out.put(name, row);
            } catch (RuntimeException ex) {
                throw new CheckpointException(file + ": tensor '" + name + "' is malformed: " + ex.getMessage(), ex);
            }
        }
        spans.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int k = 1; k < spans.size(); k++) {
            if (spans.get(k)[0] < spans.get(k - 1)[1]) {
                throw new CheckpointException(file + ": corrupt header: two tensors share bytes of the data section");
            }
        }
        if (covered != dataLen) {
            throw new CheckpointException(file + ": the header describes " + covered + " bytes of tensor data but the"
                    + " file holds " + dataLen + " (truncated, or extra bytes)");
        }
        return out;
    }

    private static Map<String, Entry> tensors(Map<String, long[]> layout, Map<String, Object> header, byte[] data) {
        Map<String, Entry> out = new LinkedHashMap<>();
        ByteBuffer d = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            long[] row = e.getValue();
            int begin = (int) row[0];
            int width = (int) row[2];
            int count = (int) ((row[1] - row[0]) / width);
            float[] v = new float[count];
            for (int k = 0; k < count; k++) {
                v[k] = width == 4 ? d.getFloat(begin + 4 * k) : (float) d.getDouble(begin + 8 * k);
            }
            out.put(e.getKey(), new Entry(e.getKey(), Arrays.copyOfRange(row, 3, row.length), v));
        }
        return out;
    }

    private static byte[] readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int r = ch.read(b, position + b.position());
            if (r < 0) {
                throw new CheckpointException("unexpected end of file at byte " + (position + b.position()));
            }
        }
        return b.array();
    }

    /**
     * The offset in {@code head} of the 64 hex digits of the checksum entry, or −1 when the raw
     * header does not hold exactly one {@code "sha256":"} followed by 64 characters and a quote.
     */
    private static int checksumOffset(byte[] head, int from, int length) {
        byte[] key = ("\"" + CHECKSUM + "\":\"").getBytes(StandardCharsets.US_ASCII);
        int found = -1;
        for (int i = from; i + key.length + 65 <= from + length; i++) {
            boolean match = true;
            for (int k = 0; k < key.length && match; k++) {
                match = head[i + k] == key[k];
            }
            if (match) {
                if (found >= 0 || head[i + key.length + 64] != '"') {
                    return -1;
                }
                found = i + key.length;
            }
        }
        return found;
    }

    private static byte[] digest(byte[] head, byte[] data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(head);
            md.update(data);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}

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
 * <p><b>Reading</b> is {@link SafetensorsReader}'s: the header checked before any data is read, the
 * data read in bounded chunks while it is hashed. F32 and F64 tensors are read (F64 converted); other
 * dtypes are refused by name. Every problem is a {@link CheckpointException} naming the file and what
 * is wrong.
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
     * Reads and checks a whole file ({@link SafetensorsReader}: the header checked before any data is
     * read, the data read in bounded chunks).
     *
     * @param file the file
     * @return its tensors, metadata and checksum state
     * @throws CheckpointException for a truncated, corrupt or unsupported file, naming the problem
     * @throws IOException when the file cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            return r.read(true);
        }
    }

    /**
     * The offset in {@code head} of the 64 hex digits of the checksum entry, or −1 when the raw
     * header does not hold exactly one {@code "sha256":"} followed by 64 characters and a quote.
     */
    static int checksumOffset(byte[] head, int from, int length) {
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

package io.rnn4j.io;

import io.rnn4j.internal.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a safetensors file in two stages, so that what is read is bounded by what was checked:
 * {@link #open} reads and checks the header alone (its length against {@value SafetensorsFile#MAX_HEADER}
 * bytes and the file size, the JSON with bounded nesting, every tensor's dtype, shape and offsets, and that
 * the tensors cover the data section exactly); the caller then checks the layout against what it expects
 * (a checkpoint against its configuration), and only then {@link #read} streams the data section in
 * chunks of {@value #CHUNK} bytes into the tensors' float arrays while hashing it, so that peak memory
 * stays near the size of the tensors themselves. Only regular files are opened (a pipe would block, a
 * device never end). Every problem is a {@link CheckpointException} naming the file and what is wrong.
 */
public final class SafetensorsReader implements AutoCloseable {
    /** The bytes read from the data section at a time. */
    public static final int CHUNK = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final byte[] head;
    private final Map<String, String> metadata;
    private final Map<String, Tensor> tensors;

    /** One tensor of the header: its name, dtype width (4 or 8 bytes), shape and byte range in the data section. */
    public record Tensor(String name, int width, long[] shape, long begin, long end) {
        /** {@return the number of values} */
        public long count() {
            return (end - begin) / width;
        }
    }

    private SafetensorsReader(Path file, FileChannel channel, long size, byte[] head, Map<String, String> metadata,
                              Map<String, Tensor> tensors) {
        this.file = file;
        this.channel = channel;
        this.size = size;
        this.head = head;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /**
     * Opens a file and reads and checks its header (nothing of the data section is read).
     *
     * @param file a regular file
     * @return the reader, to close
     * @throws CheckpointException for a missing, non-regular, truncated or malformed file, naming the problem
     * @throws IOException when the file cannot be read
     */
    public static SafetensorsReader open(Path file) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such file");
        }
        if (a.isDirectory()) {
            throw new CheckpointException(file + ": is a folder, not a checkpoint file");
        }
        if (!a.isRegularFile() && !Files.isRegularFile(file, new LinkOption[0])) {
            throw new CheckpointException(file + ": not a regular file (a pipe, device or socket); checkpoints are"
                    + " read from regular files only");
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            SafetensorsReader r = header(file, ch);
            ch = null;
            return r;
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static SafetensorsReader header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new CheckpointException(file + ": truncated (" + size + " bytes, no header length)");
        }
        byte[] lengthBytes = readFully(file, ch, 0, 8);
        long n = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n <= 0 || n > SafetensorsFile.MAX_HEADER || n > size - 8) {
            throw new CheckpointException(file + ": header length " + n + " does not fit a file of " + size
                    + " bytes (at most " + SafetensorsFile.MAX_HEADER + "; truncated or not a safetensors file)");
        }
        byte[] head = new byte[(int) (8 + n)];
        System.arraycopy(lengthBytes, 0, head, 0, 8);
        System.arraycopy(readFully(file, ch, 8, (int) n), 0, head, 8, (int) n);
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
        Map<String, Tensor> layout = SafetensorsLayout.check(file, header, size - 8 - n);
        return new SafetensorsReader(file, ch, size, head, meta, layout);
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
                throw new CheckpointException(file + ": corrupt header: metadata '" + e.getKey() + "' is "
                        + SafetensorsLayout.kind(e.getValue()) + ", not a string");
            }
            out.put(String.valueOf(e.getKey()), v);
        }
        return out;
    }

    /** {@return the file} */
    public Path file() {
        return file;
    }

    /** {@return the {@code __metadata__} strings (empty when absent)} */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** {@return every tensor of the header, in file order} */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** {@return name → shape of every tensor, in file order} */
    public Map<String, long[]> shapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.shape().clone()));
        return out;
    }

    /**
     * Reads the data section in chunks into the tensors (F64 converted to float) while hashing it.
     *
     * @param dataDigest whether to hash the data section alone too (the first rnn4j format's checksum)
     * @return the file's contents, with whether its whole-file checksum matches
     * @throws CheckpointException when the file ends early or changed size since it was opened
     * @throws IOException when the file cannot be read
     */
    public SafetensorsFile.Contents read(boolean dataDigest) throws IOException {
        if (channel.size() != size) {
            throw new CheckpointException(file + ": the file changed size while it was read");
        }
        int at = SafetensorsFile.checksumOffset(head, 8, head.length - 8);
        byte[] zeroed = head.clone();
        if (at >= 0) {
            Arrays.fill(zeroed, at, at + 64, (byte) '0');
        }
        MessageDigest whole = sha256();
        whole.update(zeroed);
        MessageDigest data = dataDigest ? sha256() : null;
        List<Tensor> order = new ArrayList<>(tensors.values());
        order.sort((x, y) -> Long.compare(x.begin(), y.begin()));
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            values.put(t.name(), new float[(int) t.count()]);
        }
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        long base = head.length;
        long pos = 0;
        long dataLength = size - base;
        int ti = 0;
        long filled = 0;  // values written into order[ti]
        while (pos < dataLength) {
            buf.clear();
            buf.limit((int) Math.min(CHUNK, dataLength - pos));
            while (buf.hasRemaining()) {
                if (channel.read(buf, base + pos + buf.position()) < 0) {
                    throw new CheckpointException(file + ": unexpected end of file at byte " + (base + pos
                            + buf.position()));
                }
            }
            buf.flip();
            // The tensors cover the data section exactly, in offset order: decode the chunk into them.
            while (buf.hasRemaining()) {
                Tensor t = order.get(ti);
                float[] v = values.get(t.name());
                if (filled == v.length) {
                    ti++;
                    filled = 0;
                    continue;
                }
                if (buf.remaining() < t.width()) {
                    // A value straddles two chunks: move its first bytes to the front and read on.
                    break;
                }
                v[(int) filled++] = t.width() == 4 ? buf.getFloat() : (float) buf.getDouble();
            }
            int rest = buf.remaining();  // the first bytes of a value that goes on in the next chunk
            int used = buf.limit() - rest;
            whole.update(buf.array(), 0, used);
            if (data != null) {
                data.update(buf.array(), 0, used);
            }
            pos += used;
            if (rest > 0 && pos + rest >= dataLength) {
                throw new CheckpointException(file + ": a tensor ends inside a value");
            }
        }
        boolean ok = false;
        String hex = metadata.get(SafetensorsFile.CHECKSUM);
        if (hex != null && at >= 0) {
            ok = HexFormat.of().formatHex(whole.digest()).equals(hex);
        }
        String dataHex = data == null ? "" : HexFormat.of().formatHex(data.digest());
        Map<String, SafetensorsFile.Entry> out = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            out.put(t.name(), new SafetensorsFile.Entry(t.name(), t.shape(), values.get(t.name())));
        }
        return new SafetensorsFile.Contents(metadata, out, ok, dataHex);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static byte[] readFully(Path file, FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int r = ch.read(b, position + b.position());
            if (r < 0) {
                throw new CheckpointException(file + ": unexpected end of file at byte " + (position + b.position()));
            }
        }
        return b.array();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

package io.rnn4j.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of a safetensors header's tensor entries ({@link SafetensorsReader}): dtype F32 or F64
 * (others refused by name), a shape of at most 8 sizes in {@code [0, 2³¹)}, two offsets inside the data
 * section that hold exactly the shape's values, no two tensors sharing bytes, and the data section
 * covered exactly. Messages say what is wrong in the file's own terms (never a Java class name).
 */
final class SafetensorsLayout {
    private SafetensorsLayout() {
    }

    static Map<String, SafetensorsReader.Tensor> check(Path file, Map<String, Object> header, long dataLen)
            throws CheckpointException {
        Map<String, SafetensorsReader.Tensor> out = new LinkedHashMap<>();
        long covered = 0;
        List<long[]> spans = new ArrayList<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            String name = e.getKey();
            try {
                SafetensorsReader.Tensor t = tensor(name, e.getValue(), dataLen);
                spans.add(new long[] {t.begin(), t.end()});
                covered += t.end() - t.begin();
                out.put(name, t);
            } catch (Truncated ex) {
                throw new CheckpointException(file + ": truncated: tensor '" + name + "' ends at byte " + ex.end
                        + " of the data section, the file holds " + dataLen);
            } catch (IllegalArgumentException | ArithmeticException ex) {
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

    /** A tensor that ends past the data section. */
    private static final class Truncated extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        final long end;

        Truncated(long end) {
            super("truncated");
            this.end = end;
        }
    }

    private static SafetensorsReader.Tensor tensor(String name, Object value, long dataLen) {
        if (!(value instanceof Map<?, ?> info)) {
            throw new IllegalArgumentException("its entry is " + kind(value) + ", not an object");
        }
        Object dtype = info.get("dtype");
        int width;
        if ("F32".equals(dtype)) {
            width = 4;
        } else if ("F64".equals(dtype)) {
            width = 8;
        } else {
            throw new IllegalArgumentException("dtype " + (dtype instanceof String ? dtype : kind(dtype))
                    + " (rnn4j reads F32 and F64)");
        }
        if (!(info.get("shape") instanceof List<?> shape) || shape.size() > 8) {
            throw new IllegalArgumentException("its shape is " + kind(info.get("shape"))
                    + " (a list of at most 8 sizes is needed)");
        }
        if (!(info.get("data_offsets") instanceof List<?> off) || off.size() != 2) {
            throw new IllegalArgumentException("its data_offsets are " + kind(info.get("data_offsets"))
                    + " (a list of two offsets is needed)");
        }
        long count = 1;
        long[] dims = new long[shape.size()];
        for (int k = 0; k < dims.length; k++) {
            long d = integer(shape.get(k), "size " + k + " of the shape");
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("size " + k + " of the shape, " + d + ", is out of range");
            }
            count = Math.multiplyExact(count, d);
            dims[k] = d;
        }
        long begin = integer(off.get(0), "the first data offset");
        long end = integer(off.get(1), "the second data offset");
        if (end > dataLen && begin >= 0 && end >= begin) {
            throw new Truncated(end);
        }
        if (begin < 0 || end < begin || end - begin != Math.multiplyExact(count, width)) {
            throw new IllegalArgumentException("offsets [" + begin + ", " + end + ") do not hold " + count
                    + " values of " + width + " bytes inside " + dataLen + " bytes of data");
        }
        if (count > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("it has " + count + " values, more than rnn4j reads into one tensor");
        }
        return new SafetensorsReader.Tensor(name, width, dims, begin, end);
    }

    private static long integer(Object v, String what) {
        if (v instanceof Long l) {
            return l;
        }
        throw new IllegalArgumentException(what + " is " + kind(v) + ", not an integer");
    }

    /** What a JSON value is, for messages: "a string", "the number 1.5", "null", … */
    static String kind(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
        }
        if (v instanceof Number n) {
            return "the number " + n;
        }
        if (v instanceof Boolean b) {
            return "the value " + b;
        }
        if (v instanceof List<?> l) {
            return "a list of " + l.size() + (l.size() > 8 ? "" : " " + Arrays.toString(l.toArray()));
        }
        return "an object";
    }
}

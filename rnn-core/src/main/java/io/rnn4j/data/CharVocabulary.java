package io.rnn4j.data;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The characters of a text (Unicode code points), sorted, each mapped to a token id in
 * {@code [0, size)}. Ids are stable for a given set of characters.
 */
public final class CharVocabulary {
    private final int[] codePoints;

    private CharVocabulary(int[] codePoints) {
        this.codePoints = codePoints;
    }

    /**
     * The vocabulary of every distinct code point in {@code text}.
     *
     * @param text the text
     * @return its distinct code points, sorted, as ids 0..V−1
     */
    public static CharVocabulary of(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("cannot build a vocabulary from an empty text");
        }
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        return new CharVocabulary(set.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * A vocabulary from explicit code points (sorted and de-duplicated).
     *
     * @param cps distinct code points, in id order
     * @return the vocabulary
     */
    public static CharVocabulary ofCodePoints(int[] cps) {
        int[] sorted = Arrays.stream(cps).distinct().sorted().toArray();
        if (sorted.length == 0) {
            throw new IllegalArgumentException("empty vocabulary");
        }
        return new CharVocabulary(sorted);
    }

    /** {@return number of distinct characters} */
    public int size() {
        return codePoints.length;
    }

    /** {@return the code points in id order (a copy)} */
    public int[] codePoints() {
        return codePoints.clone();
    }

    /**
     * The id of a code point.
     *
     * @param codePoint a code point
     * @return its id
     * @throws IllegalArgumentException when it is not in the vocabulary
     */
    public int id(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        if (i < 0) {
            throw new IllegalArgumentException("character '" + new String(Character.toChars(codePoint))
                    + "' (U+" + Integer.toHexString(codePoint) + ") is not in the vocabulary");
        }
        return i;
    }

    /**
     * The code point of an id.
     *
     * @param id an id in {@code [0, V)}
     * @return its code point
     */
    public int codePoint(int id) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("token id " + id + " is outside [0, " + codePoints.length + ")");
        }
        return codePoints[id];
    }

    /**
     * Encodes a text into ids.
     *
     * @param text text whose characters are all in the vocabulary
     * @return the ids, one per code point
     */
    public int[] encode(String text) {
        return text.codePoints().map(this::id).toArray();
    }

    /**
     * The vocabulary as a JSON array of code points in id order, e.g. {@code [10,32,33,…]}: how
     * checkpoints store it (metadata entry {@code vocabulary}); in Python
     * {@code [chr(c) for c in json.loads(metadata["vocabulary"])]} gives the characters by id.
     *
     * @return the JSON array of code points, which {@link #fromJson(String)} reads back
     */
    public String toJson() {
        java.util.List<Object> cps = new java.util.ArrayList<>();
        for (int cp : codePoints) {
            cps.add((long) cp);
        }
        return io.rnn4j.internal.Json.write(cps);
    }

    /**
     * The vocabulary of {@link #toJson()}.
     *
     * @param json the text of {@link #toJson()}
     * @return the vocabulary
     * @throws IllegalArgumentException when the text is not a JSON array of valid, increasing code points
     */
    public static CharVocabulary fromJson(String json) {
        Object parsed = io.rnn4j.internal.Json.parse(json);
        if (!(parsed instanceof java.util.List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("a vocabulary is a non-empty JSON array of code points");
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0 || v > Character.MAX_CODE_POINT
                    || (i > 0 && v <= out[i - 1])) {
                throw new IllegalArgumentException("vocabulary entry " + i + " (" + list.get(i)
                        + ") is not a code point above the previous one");
            }
            out[i] = v.intValue();
        }
        return new CharVocabulary(out);
    }

    /**
     * Decodes ids into a text.
     *
     * @param ids ids in {@code [0, V)}
     * @return the text
     */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) {
            sb.appendCodePoint(codePoint(id));
        }
        return sb.toString();
    }
}

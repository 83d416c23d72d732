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

    /** The vocabulary of every distinct code point in {@code text}. */
    public static CharVocabulary of(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("cannot build a vocabulary from an empty text");
        }
        TreeSet<Integer> set = new TreeSet<>();
        text.codePoints().forEach(set::add);
        return new CharVocabulary(set.stream().mapToInt(Integer::intValue).toArray());
    }

    /** A vocabulary from explicit code points (sorted and de-duplicated). */
    public static CharVocabulary ofCodePoints(int[] cps) {
        int[] sorted = Arrays.stream(cps).distinct().sorted().toArray();
        if (sorted.length == 0) {
            throw new IllegalArgumentException("empty vocabulary");
        }
        return new CharVocabulary(sorted);
    }

    /** Number of distinct characters. */
    public int size() {
        return codePoints.length;
    }

    /** The code points in id order (a copy). */
    public int[] codePoints() {
        return codePoints.clone();
    }

    /** The id of a code point. */
    public int id(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        if (i < 0) {
            throw new IllegalArgumentException("character '" + new String(Character.toChars(codePoint))
                    + "' (U+" + Integer.toHexString(codePoint) + ") is not in the vocabulary");
        }
        return i;
    }

    /** The code point of an id. */
    public int codePoint(int id) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("token id " + id + " is outside [0, " + codePoints.length + ")");
        }
        return codePoints[id];
    }

    /** Encodes a text into ids. */
    public int[] encode(String text) {
        return text.codePoints().map(this::id).toArray();
    }

    /** Decodes ids into a text. */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int id : ids) {
            sb.appendCodePoint(codePoint(id));
        }
        return sb.toString();
    }
}

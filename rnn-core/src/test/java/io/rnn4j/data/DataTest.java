package io.rnn4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DataTest {
    @Test
    void vocabularyRoundTrip() {
        String text = "hello, wörld 🙂!";
        CharVocabulary v = CharVocabulary.of(text);
        assertEquals(text, v.decode(v.encode(text)));
        assertEquals(v.size(), text.codePoints().distinct().count());
        assertTrue(v.id(' ') < v.id('h'), "sorted by code point");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.id('z'));
        assertTrue(e.getMessage().contains("'z'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> v.codePoint(v.size()));
        assertThrows(IllegalArgumentException.class, () -> CharVocabulary.of(""));
    }

    @Test
    void batcherWalksContiguousTracksAndWraps() {
        int[] stream = new int[23];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = i;
        }
        SequenceBatcher sb = new SequenceBatcher(stream, 2, 3);
        // tracks of (23 − 1) / 2 = 11 tokens: [0..10], [11..21]; 3 windows of 3 steps per pass.
        assertEquals(3, sb.windowsPerEpoch());
        assertTrue(sb.atStart());
        Batch b1 = sb.next();
        assertArrayEquals(new int[] {0, 11, 1, 12, 2, 13}, b1.inputIds());
        assertArrayEquals(new int[] {1, 12, 2, 13, 3, 14}, b1.targetIds());
        assertFalse(sb.atStart());
        Batch b2 = sb.next();
        assertEquals(3, b2.inputIds()[0], "track 0 continues where the last window ended");
        assertEquals(14, b2.inputIds()[1]);
        sb.next();
        assertEquals(1, sb.epoch());
        assertTrue(sb.atStart());
        assertEquals(0, sb.next().inputIds()[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SequenceBatcher(new int[6], 2, 3));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void aWindowIsThoseStepsOfEveryKind() {
        int[] in = {1, 2, 3, 4, 5, 6};
        int[] out = {7, 8, 9, 10, 11, 12};
        Batch b = Batch.tokensTimeMajor(2, 3, in, out).withLossMask(new float[] {1, 0, 1, 0.5f, 1, 1});
        Batch w = b.window(1, 2);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {3, 4, 5, 6}, w.inputIds());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {9, 10, 11, 12}, w.targetIds());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 0.5f, 1, 1}, w.lossMask());
        org.junit.jupiter.api.Assertions.assertEquals(2, w.steps());
        float[] x = {0, 1, 2, 3, 4, 5, 6, 7};
        Batch last = Batch.denseLastStep(2, 2, x, 2, new float[] {9, 8}, 1).window(1, 1);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {4, 5, 6, 7}, last.inputs());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {9, 8}, last.targets(), "last-step targets kept");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.window(2, 2));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.withLengths(new int[] {3, 2}).window(0, 1));
        // Bounds that overflow an int are refused by name, not by an index out of bounds.
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.window(Integer.MAX_VALUE, 1));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("from step 2147483647")
                && e.getMessage().contains("outside the batch's steps [0, 3)"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.window(1, Integer.MAX_VALUE));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("window of 2147483647 steps from step 1"),
                e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void aBatchSurvivesSerialization() throws Exception {
        Batch b = Batch.denseLastStep(2, 2, new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, new float[] {9, 8}, 1)
                .withLengths(new int[] {2, 1});
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(b);
        }
        Batch back;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            back = (Batch) in.readObject();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(b.inputs(), back.inputs());
        org.junit.jupiter.api.Assertions.assertArrayEquals(b.targets(), back.targets());
        org.junit.jupiter.api.Assertions.assertArrayEquals(b.lengths(), back.lengths());
        org.junit.jupiter.api.Assertions.assertTrue(back.targetsAtLastStepOnly());
    }
}

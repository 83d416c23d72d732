package io.rnn4j.data;

import java.util.SplittableRandom;

/**
 * The synthetic long-range tasks of the studies, as batches: the adding problem and the copying-memory
 * problem, drawn from a caller's generator (the same seed gives the same batches).
 *
 * <p><b>Adding problem</b> (Hochreiter &amp; Schmidhuber; Le et al.): two input channels, a value
 * from U[0, 1] and a marker; exactly one marker in each half of the sequence; the target is the sum
 * of the two marked values, read by squared error at the last step. Predicting the constant 1
 * scores the variance of the sum, 1/6.
 *
 * <p><b>Copying memory</b> (Arjovsky et al.): ten symbols from an alphabet of eight, then T − 1
 * blanks, a delimiter and ten more blanks (T + 20 steps); the output is blank until the last ten
 * steps, which must reproduce the symbols. Cross-entropy at every step. A memoryless predictor
 * (blank, then uniform over the eight symbols) scores 10 ln 8 / (T + 20).
 */
public final class SyntheticTasks {
    private SyntheticTasks() {
    }

    /** The constant predictor's MSE on the adding problem. */
    public static final double ADDING_BASELINE = 1.0 / 6;

    /** Copying-memory vocabulary: 0 blank, 1..8 symbols, 9 delimiter. */
    public static final int COPY_VOCAB = 10;
    /** Symbols to copy. */
    public static final int COPY_SYMBOLS = 10;

    /**
     * {@return the memoryless predictor's cross-entropy per step on the copying problem with delay {@code t}}
     *
     * @param t the delay T
     */
    public static double copyBaseline(int t) {
        return COPY_SYMBOLS * Math.log(8) / (t + 20);
    }

    /**
     * A batch of the adding problem: B sequences of T steps (time-major, 2 features), targets B×1.
     *
     * @param batch B
     * @param t T, at least 2
     * @param r the generator
     * @return the batch
     */
    public static Batch adding(int batch, int t, SplittableRandom r) {
        if (t < 2) {
            throw new IllegalArgumentException("the adding problem needs T >= 2, got " + t);
        }
        float[] x = new float[batch * t * 2];
        float[] y = new float[batch];
        for (int b = 0; b < batch; b++) {
            int half = t / 2;
            int m1 = r.nextInt(half);
            int m2 = half + r.nextInt(t - half);
            for (int s = 0; s < t; s++) {
                int row = s * batch + b;
                x[row * 2] = (float) r.nextDouble();
                x[row * 2 + 1] = (s == m1 || s == m2) ? 1f : 0f;
            }
            y[b] = x[(m1 * batch + b) * 2] + x[(m2 * batch + b) * 2];
        }
        return Batch.denseLastStep(batch, t, x, 2, y, 1);
    }

    /**
     * A batch of the adding task as Pascanu, Mikolov &amp; Bengio's released code generates it
     * ({@code pascanur/trainingRNNs}, {@code addition.py}): the batch's length is
     * {@code l = length + U{0, …, ⌊0.1·length⌋ − 1}}; feature 0 of each step is a value from U(0, 1) and
     * feature 1 the marker, set at one step {@code p0} in {@code [0, ⌊0.1·l⌋)} and one {@code p1} in
     * {@code [⌊0.1·l⌋, ⌊0.1·l⌋ + ⌊0.4·l⌋)}; the target is the <b>mean</b> of the two marked values (the
     * code's; the classic task of {@link #adding} takes their sum). (The code keeps the marker in
     * feature 0 and the values in feature 1; rnn4j keeps {@link #adding}'s order, which a model does not see.)
     *
     * @param batch B
     * @param length the batch's base length, at least 10 (the code draws it from [min, max) per batch)
     * @param r the generator
     * @return the batch, of {@code l} steps
     */
    public static Batch addingPascanu(int batch, int length, SplittableRandom r) {
        if (length < 10) {
            throw new IllegalArgumentException("Pascanu's adding task needs a length of at least 10, got " + length);
        }
        int l = length + r.nextInt(length / 10);
        int first = l / 10;
        int second = (int) (l * 0.4);
        float[] x = new float[batch * l * 2];
        float[] y = new float[batch];
        for (int b = 0; b < batch; b++) {
            int p0 = r.nextInt(first);
            int p1 = first + r.nextInt(second);
            for (int s = 0; s < l; s++) {
                int row = s * batch + b;
                x[row * 2] = (float) r.nextDouble();
                x[row * 2 + 1] = (s == p0 || s == p1) ? 1f : 0f;
            }
            y[b] = (x[(p0 * batch + b) * 2] + x[(p1 * batch + b) * 2]) / 2;
        }
        return Batch.denseLastStep(batch, l, x, 2, y, 1);
    }

    /**
     * A batch's base length for {@link #addingPascanu}, as the code draws it: {@code min + U{0, …, max − min − 1}}
     * ({@code min} when {@code max <= min}).
     *
     * @param min the shortest base length
     * @param max one past the longest
     * @param r the generator
     * @return the base length
     */
    public static int pascanuLength(int min, int max, SplittableRandom r) {
        return max > min ? min + r.nextInt(max - min) : min;
    }

    /**
     * A batch of the copying-memory problem with delay T (sequence length T + 20).
     *
     * @param batch B
     * @param t the delay T, at least 1
     * @param r the generator
     * @return the batch
     */
    public static Batch copy(int batch, int t, SplittableRandom r) {
        if (t < 1) {
            throw new IllegalArgumentException("the copying problem needs T >= 1, got " + t);
        }
        int len = t + 20;
        int[] in = new int[batch * len];
        int[] out = new int[batch * len];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < COPY_SYMBOLS; k++) {
                int sym = 1 + r.nextInt(8);
                in[k * batch + b] = sym;
                out[(t + COPY_SYMBOLS + k) * batch + b] = sym;
            }
            in[(t + COPY_SYMBOLS - 1) * batch + b] = 9; // the delimiter after T − 1 blanks
        }
        return Batch.tokensTimeMajor(batch, len, in, out);
    }
}

package io.rnn4j.examples;

/**
 * SplitMix64: a tiny seeded generator whose whole state is one long, so that a checkpoint can
 * store it and a resumed run draws the same numbers.
 */
final class Rng {
    private long state;

    Rng(long seed) {
        this.state = seed;
    }

    long state() {
        return state;
    }

    void setState(long s) {
        this.state = s;
    }

    long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.train.Clipping;
import java.util.LinkedHashMap;
import java.util.Map;

/** The standard configurations (V vocabulary, H hidden, B batch, T steps). */
final class Configs {
    private Configs() {
    }

    /** C1 65/128/50/50 · C2 65/256/64/100 · C3 65/512/64/100 · C5 10000/512/32/35 · C6 65/512/8/100. */
    static final Map<String, int[]> STANDARD = new LinkedHashMap<>();

    static {
        STANDARD.put("C1", new int[] {65, 128, 50, 50});
        STANDARD.put("C2", new int[] {65, 256, 64, 100});
        STANDARD.put("C3", new int[] {65, 512, 64, 100});
        STANDARD.put("C5", new int[] {10000, 512, 32, 35});
        STANDARD.put("C6", new int[] {65, 512, 8, 100});
    }

    /**
     * A configuration by name: a standard one ({@code C1}) or {@code V-H-B-T} (for the scaling
     * benchmarks, e.g. {@code 65-128-50-200}).
     */
    static StepConfig parse(String name, Clipping clipping) {
        int[] v = STANDARD.get(name);
        if (v == null) {
            String[] parts = name.split("-");
            if (parts.length != 4) {
                throw new IllegalArgumentException("configuration '" + name + "' is neither C1..C6 nor V-H-B-T");
            }
            v = new int[4];
            for (int i = 0; i < 4; i++) {
                v[i] = Integer.parseInt(parts[i]);
            }
        }
        return new StepConfig(v[0], v[1], v[2], v[3], Activation.TANH, clipping, true);
    }
}

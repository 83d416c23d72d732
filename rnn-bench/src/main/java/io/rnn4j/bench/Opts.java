package io.rnn4j.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Consumes options by name; {@link #done()} rejects anything left over. */
final class Opts {
    private final List<String> args;
    private final Set<Integer> used = new HashSet<>();

    Opts(List<String> args) {
        this.args = new ArrayList<>(args);
    }

    private int find(String name) {
        int at = -1;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(name)) {
                if (at >= 0) {
                    throw new UsageException("option " + name + " given twice");
                }
                at = i;
            }
        }
        return at;
    }

    String string(String name, String def) {
        int i = find(name);
        if (i < 0) {
            return def;
        }
        if (i + 1 >= args.size()) {
            throw new UsageException("option " + name + " needs a value");
        }
        used.add(i);
        used.add(i + 1);
        return args.get(i + 1);
    }

    int integer(String name, int def) {
        String v = string(name, null);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option " + name + " needs an integer, got '" + v + "'");
        }
    }

    boolean flag(String name) {
        int i = find(name);
        if (i >= 0) {
            used.add(i);
        }
        return i >= 0;
    }

    <T> T parse(String name, String def, Function<String, T> parser) {
        String v = string(name, def);
        try {
            return parser.apply(v);
        } catch (IllegalArgumentException e) {
            throw new UsageException("option " + name + ": " + e.getMessage());
        }
    }

    void done() {
        for (int i = 0; i < args.size(); i++) {
            if (!used.contains(i)) {
                throw new UsageException("unknown option or stray argument '" + args.get(i) + "'");
            }
        }
    }
}

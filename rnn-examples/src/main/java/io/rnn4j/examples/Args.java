package io.rnn4j.examples;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --name value} and {@code --flag} options of a command. Every option must be declared;
 * an unknown option, a missing value or a malformed number throws {@link UsageException}.
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, String> declared;

    /** Thrown for bad command lines; the message is shown with the command's help. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * @param declared option name (without dashes) to its default value; a default of
     *     {@code "false"} marks a flag that takes no value
     */
    Args(List<String> argv, Map<String, String> declared) {
        this.declared = new LinkedHashMap<>(declared);
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (!declared.containsKey(name)) {
                throw new UsageException("unknown option --" + name);
            }
            if ("false".equals(declared.get(name)) && value == null) {
                value = "true";
            } else if (value == null) {
                if (i + 1 >= argv.size()) {
                    throw new UsageException("option --" + name + " needs a value");
                }
                value = argv.get(++i);
            }
            values.put(name, value);
        }
    }

    String get(String name) {
        if (!declared.containsKey(name)) {
            throw new IllegalStateException("undeclared option " + name);
        }
        return values.getOrDefault(name, declared.get(name));
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(get(name));
    }

    int integer(String name, int min) {
        String v = get(name);
        try {
            int i = Integer.parseInt(v);
            if (i < min) {
                throw new UsageException("--" + name + " must be at least " + min + ", got " + i);
            }
            return i;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs an integer, got '" + v + "'");
        }
    }

    long longValue(String name) {
        String v = get(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs an integer, got '" + v + "'");
        }
    }

    double number(String name) {
        String v = get(name);
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw new UsageException("--" + name + " must be finite, got " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a number, got '" + v + "'");
        }
    }

    /** Runs a parser for an option value, turning its IllegalArgumentException into a usage error. */
    <T> T parse(String name, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(get(name));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + name + ": " + e.getMessage());
        }
    }
}

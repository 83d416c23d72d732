package io.rnn4j.examples;

import io.rnn4j.backend.Activation;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Reduction;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * What the commands share on the command line: typed converters (their messages name the bad
 * value), range checks that fail before any work starts, and the error handling of both exit paths:
 * a bad command line prints one {@code error:} line and a pointer to the help (exit 2); a failure
 * while running prints one {@code error:} line with the message, never a class name (exit 1).
 */
final class Cli {
    private Cli() {
    }

    static final class ActivationConverter implements CommandLine.ITypeConverter<Activation> {
        @Override
        public Activation convert(String s) {
            return parse(() -> Activation.parse(s));
        }
    }

    static final class CellConverter implements CommandLine.ITypeConverter<CellType> {
        @Override
        public CellType convert(String s) {
            return parse(() -> CellType.parse(s));
        }
    }

    static final class ClippingConverter implements CommandLine.ITypeConverter<Clipping> {
        @Override
        public Clipping convert(String s) {
            return parse(() -> Clipping.parse(s));
        }
    }

    static final class InitConverter implements CommandLine.ITypeConverter<Init> {
        @Override
        public Init convert(String s) {
            return parse(() -> Init.parse(s));
        }
    }

    static final class ReductionConverter implements CommandLine.ITypeConverter<Reduction> {
        @Override
        public Reduction convert(String s) {
            return parse(() -> Reduction.parse(s));
        }
    }

    /** Runs a parser; its {@link IllegalArgumentException} becomes picocli's conversion error, with the message alone. */
    static <T> T parse(java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** A usage error naming the option. */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** {@code v ≥ min}, or a usage error naming {@code option}. */
    static int atLeast(CommandSpec spec, String option, int v, int min) {
        if (v < min) {
            throw usage(spec, option + " must be at least " + min + ", got " + v);
        }
        return v;
    }

    /** {@code v} in {@code [min, max]}, or a usage error naming {@code option}. */
    static int between(CommandSpec spec, String option, int v, int min, int max) {
        if (v < min || v > max) {
            throw usage(spec, option + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    /** The most stacked layers the commands accept (a deeper stack is a mistake, and would exhaust memory). */
    static final int MAX_LAYERS = 256;

    /** A finite {@code v > 0}, or a usage error. */
    static double positive(CommandSpec spec, String option, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw usage(spec, option + " must be a positive finite number, got " + v);
        }
        return v;
    }

    /** A finite {@code v} in {@code [lo, hi)}, or a usage error. */
    static double inRange(CommandSpec spec, String option, double v, double lo, double hi) {
        if (!(v >= lo && v < hi)) {
            throw usage(spec, option + " must be in [" + lo + ", " + hi + "), got " + v);
        }
        return v;
    }

    /** Whether the user gave {@code option} on the command line (not its default). */
    static boolean given(CommandSpec spec, String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** A command line with the examples' conventions: the given streams, no class names in errors, exit 2 for usage. */
    static CommandLine commandLine(Object command, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("(" + c.getCommandSpec().qualifiedName() + " --help lists the options)");
            c.getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            c.getErr().println("error: " + describe(ex));
            c.getErr().flush();
            return 1;
        });
        return cl;
    }

    /**
     * The message of a failure as a user reads it: its own text (and its cause's), a class name only when
     * there is no text. A file-system failure names the file and what is wrong with it (Java's own messages
     * are the bare path, or "Is a directory" without one).
     */
    static String describe(Throwable t) {
        if (t instanceof java.nio.file.FileSystemException f) {
            String file = f.getFile() == null ? "a file" : f.getFile();
            String why;
            if (t instanceof java.nio.file.NoSuchFileException) {
                why = "no such file or folder";
            } else if (t instanceof java.nio.file.AccessDeniedException) {
                why = "permission denied";
            } else if (t instanceof java.nio.file.FileAlreadyExistsException) {
                why = "exists, and is not a folder";
            } else if (t instanceof java.nio.file.NotDirectoryException) {
                why = "is not a folder";
            } else if (t instanceof java.nio.file.DirectoryNotEmptyException) {
                why = "is a folder that is not empty";
            } else {
                why = f.getReason() == null ? "cannot be used" : f.getReason().toLowerCase(java.util.Locale.ROOT);
            }
            return file + ": " + why;
        }
        if (t instanceof OutOfMemoryError) {
            return "out of memory (" + (t.getMessage() == null ? "the heap" : t.getMessage()) + "): the model or its data"
                    + " does not fit in the JVM's " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB heap; choose a"
                    + " smaller model, or give the JVM more with -Xmx";
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName() + (t.getCause() != null ? ": " + describe(t.getCause()) : "");
        }
        return m;
    }
}

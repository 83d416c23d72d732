package io.rnn4j.bench;

import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import io.rnn4j.internal.VectorRelaunch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar rnn-bench.jar [COMMAND] [options]}: without a command, the JMH suite. Exit codes:
 * 0 success, 1 failure, 2 bad command line.
 */
@Command(name = "rnn-bench.jar", mixinStandardHelpOptions = true, version = "rnn4j benchmarks 0.1.0-SNAPSHOT",
        sortOptions = false, description = {"Training-throughput benchmarks of rnn4j.", "",
            "Without a command: the standard JMH suite on every available backend, one table (suite's options "
                + "apply)."},
        subcommands = {SuiteCommand.class, StepCommand.class, PeakCommand.class, Main.Jmh.class},
        footer = "%n'java -jar rnn-bench.jar COMMAND --help' lists a command's options.")
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SuiteCommand.Options options = new SuiteCommand.Options();

    /** The suite, as the default command. */
    @Override
    public Integer call() throws Exception {
        return SuiteCommand.run(spec, options, spec.commandLine().getOut());
    }

    /** {@code jmh}: every remaining argument goes to JMH's own command line. */
    @Command(name = "jmh", description = "Pass the remaining arguments to JMH (-l lists, -prof gc, -rf json, a regex "
            + "filter).")
    static final class Jmh implements Callable<Integer> {
        @Parameters(paramLabel = "JMH-ARGS", description = "JMH's options and benchmark filter")
        List<String> args = List.of();

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(args.toArray(new String[0]));
            return 0;
        }
    }

    /**
     * Runs in a child JVM with the Vector API module when this one lacks it (the CPU fast path without a
     * flag; {@code -Drnn4j.relaunch=false} keeps the plain JVM): see {@link VectorRelaunch}.
     */
    public static void main(String[] argv) {
        java.util.OptionalInt child = VectorRelaunch.relaunch(Main.class, argv);
        System.exit(child.isPresent() ? child.getAsInt() : run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        PrintWriter o = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(o);
        cl.setErr(e);
        cl.getSubcommands().get("jmh").setUnmatchedOptionsArePositionalParams(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("(" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help lists the options)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            String m = ex.getMessage();
            c.getErr().println("error: " + (m == null || m.isBlank() ? ex.getClass().getSimpleName() : m));
            return 1;
        });
        try {
            return cl.execute(argv);
        } finally {
            o.flush();
            e.flush();
        }
    }

    /** Runs a parser; its {@link IllegalArgumentException} becomes picocli's conversion error, with the message alone. */
    static <T> T parse(java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException ex) {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }
}

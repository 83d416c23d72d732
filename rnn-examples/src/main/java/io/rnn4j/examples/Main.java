package io.rnn4j.examples;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import io.rnn4j.internal.VectorRelaunch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar rnn-examples.jar COMMAND [options]}; {@code --help} lists the commands,
 * {@code COMMAND --help} their options. Exit codes: 0 success, 1 failure, 2 bad command line.
 */
@Command(name = "rnn-examples.jar", mixinStandardHelpOptions = true, version = "rnn4j examples 0.1.0-SNAPSHOT",
        description = "Studies of recurrent networks and their gradients, and demos, on rnn4j.",
        footer = "%n'java -jar rnn-examples.jar COMMAND --help' lists a command's options.",
        subcommands = {TourCommand.class, DemoCommand.class, VanishingCommand.class, ExplodingCommand.class,
            AddingCommand.class, CopyCommand.class, CharRnnCommand.class, SampleCommand.class,
            TruncationCommand.class, ExportCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a command: the usage, as a usage error. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
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
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        try {
            CommandLine cl = Cli.commandLine(new Main(), o, e);
            if (argv.length > 0 && !argv[0].startsWith("-") && !cl.getSubcommands().containsKey(argv[0])) {
                // Before picocli: "export --help" would otherwise print the main help and succeed.
                e.println("error: unknown command '" + argv[0] + "' (the commands: "
                        + String.join(", ", cl.getSubcommands().keySet()) + ")");
                e.println("(rnn-examples.jar --help lists them)");
                return 2;
            }
            return cl.execute(argv);
        } catch (OutOfMemoryError oom) {
            e.println("error: " + Cli.describe(oom));
            return 1;
        } finally {
            o.flush();
            e.flush();
        }
    }
}

package io.rnn4j.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar rnn-examples.jar COMMAND [options]}; {@code --help} lists the commands,
 * {@code COMMAND --help} their options. Exit codes: 0 success, 1 failure, 2 bad command line.
 */
public final class Main {
    private Main() {
    }

    static List<Command> commands() {
        return List.of(new TourCommand(), new DemoCommand(), new VanishingCommand(), new ExplodingCommand(),
                new AddingCommand(), new CopyCommand(), new CharRnnCommand(), new SampleCommand());
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        List<Command> cmds = commands();
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            out.println(usage(cmds));
            return argv.length == 0 ? 2 : 0;
        }
        for (Command c : cmds) {
            if (c.name().equals(argv[0])) {
                List<String> rest = new ArrayList<>(Arrays.asList(argv).subList(1, argv.length));
                if (rest.contains("--help") || rest.contains("-h")) {
                    out.println(c.help());
                    return 0;
                }
                try {
                    return c.run(rest, out);
                } catch (Args.UsageException e) {
                    err.println("error: " + e.getMessage());
                    err.println();
                    err.println(c.help());
                    return 2;
                } catch (Exception e) {
                    err.println("error: " + e);
                    return 1;
                }
            }
        }
        err.println("error: unknown command '" + argv[0] + "'");
        err.println(usage(cmds));
        return 2;
    }

    private static String usage(List<Command> cmds) {
        StringBuilder sb = new StringBuilder("usage: java -jar rnn-examples.jar COMMAND [options]\n\ncommands:\n");
        for (Command c : cmds) {
            sb.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        }
        sb.append("\n'COMMAND --help' lists a command's options.");
        return sb.toString();
    }
}

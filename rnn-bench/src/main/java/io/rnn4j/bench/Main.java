package io.rnn4j.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar rnn-bench.jar COMMAND [options]}. Exit codes: 0 success, 1 failure, 2 bad
 * command line.
 */
public final class Main {
    static final String HELP = """
            usage: java -jar rnn-bench.jar [COMMAND] [options]

            commands:
              suite    (the default) the standard JMH suite on every available backend, one table
              step     time one configuration's full training step (tokens/s, median and spread)
              jmh      pass the remaining arguments to JMH (-l lists, -prof gc, -rf json, a regex filter)

            'COMMAND --help' lists a command's options.
            """;

    private Main() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length > 0 && (argv[0].equals("--help") || argv[0].equals("-h"))) {
            out.print(HELP);
            out.println();
            out.print(SuiteCommand.HELP);
            return 0;
        }
        if (argv.length == 0 || argv[0].startsWith("--")) {
            String[] shifted = new String[argv.length + 1];
            shifted[0] = "suite";
            System.arraycopy(argv, 0, shifted, 1, argv.length);
            argv = shifted;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        try {
            switch (argv[0]) {
                case "suite":
                    if (rest.contains("--help")) {
                        out.print(SuiteCommand.HELP);
                        return 0;
                    }
                    return SuiteCommand.run(rest, out);
                case "jmh":
                    org.openjdk.jmh.Main.main(rest.toArray(new String[0]));
                    return 0;
                case "step":
                    if (rest.contains("--help")) {
                        out.print(StepCommand.HELP);
                        return 0;
                    }
                    return StepCommand.run(rest, out);
                default:
                    err.println("error: unknown command '" + argv[0] + "'");
                    err.print(HELP);
                    return 2;
            }
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.print(argv[0].equals("step") ? StepCommand.HELP : argv[0].equals("suite") ? SuiteCommand.HELP : HELP);
            return 2;
        } catch (Exception e) {
            err.println("error: " + e);
            return 1;
        }
    }
}

package io.rnn4j.spark;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code spark-submit --class io.rnn4j.spark.SparkMain rnn-spark.jar COMMAND [options]} (or
 * {@code java -jar rnn-spark.jar ...} with Spark on the class path, in {@code local[*]}). Commands:
 * {@code sweep} (a grid of adding-problem runs, one task each), {@code train} (data-parallel
 * training of a character model on a text), {@code bench} (the cost of an averaging round).
 * Exit codes: 0 success, 1 failure, 2 bad command line.
 */
@Command(name = "rnn-spark.jar", mixinStandardHelpOptions = true, version = "rnn4j on Spark 0.1.0-SNAPSHOT",
        description = "rnn4j on Apache Spark: sweeps of independent runs and data-parallel training.",
        subcommands = {SweepCommand.class, TrainCommand.class, BenchCommand.class})
public final class SparkMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a command: the usage, as a usage error. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /**
     * Runs a command and exits with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("(" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help lists the options)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, r) -> {
            Throwable t = ex;
            while (t.getMessage() == null && t.getCause() != null) {
                t = t.getCause();
            }
            c.getErr().println("error: " + (t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName()));
            return 1;
        });
        return cl.execute(args);
    }

    /** A Spark context: the master spark-submit gives, or {@code local[*]}. */
    static JavaSparkContext context(String app) {
        SparkConf conf = new SparkConf().setAppName(app);
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        sc.setLogLevel("WARN");
        return sc;
    }
}

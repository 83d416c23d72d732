package io.rnn4j.examples;

import java.io.PrintStream;
import java.util.List;

/** One sub-command of the examples jar. */
interface Command {
    /** The word on the command line. */
    String name();

    /** One line for the command list. */
    String summary();

    /** Full help: usage and every option with its default. */
    String help();

    /** Runs; returns the process exit code. */
    int run(List<String> args, PrintStream out) throws Exception;
}

package io.rnn4j.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The small demo: {@code char-rnn} on the built-in 2 KB text with settings that learn it in about
 * a second (truncated BPTT with the state carried, Adam, global-norm clipping), then a sample.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"A character-level RNN learns a short built-in text in about a second, then samples it.", "",
            "char-rnn on a built-in 2 KB text: mean cross-entropy per character, truncated BPTT with the state "
                + "carried, global-norm clipping, Adam; prints the loss as it falls and a sample. For your own text "
                + "and every option, use char-rnn."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--steps", paramLabel = "N", description = "training steps")
    String steps = "1000";
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    String hidden = "128";
    @Option(names = "--batch", paramLabel = "B", description = "sequences per batch")
    String batch = "16";
    @Option(names = "--seq", paramLabel = "T", description = "BPTT window length")
    String seq = "32";
    @Option(names = "--cell", paramLabel = "C", description = "elman | lstm | gru")
    String cell = "elman";
    @Option(names = "--activation", paramLabel = "F", description = "tanh | logistic | relu | prelu | identity")
    String activation = "tanh";
    @Option(names = "--optimizer", paramLabel = "NAME", description = "sgd | momentum | adagrad | rmsprop | adam")
    String optimizer = "adam";
    @Option(names = "--lr", paramLabel = "X", description = "learning rate")
    String lr = "0.005";
    @Option(names = "--clip", paramLabel = "MODE", description = "none | global:THETA | value:C")
    String clip = "global:5";
    @Option(names = "--seed", paramLabel = "N", description = "initialization and sampling seed")
    String seed = "1";
    @Option(names = "--report", paramLabel = "N", description = "print a line every N steps")
    String report = "100";
    @Option(names = "--sample", paramLabel = "N", description = "characters to sample at the end")
    String sample = "300";
    @Option(names = "--temperature", paramLabel = "X", description = "sampling temperature, 0 = greedy")
    String temperature = "0.5";
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    String out = "out/demo";
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    /** Runs char-rnn with these settings (its checks and messages apply, under this command's option names). */
    @Override
    public Integer call() {
        List<String> args = new ArrayList<>(List.of("--text", CharRnnCommand.BUILTIN, "--smoothing", "0.95",
                "--sample-every", "0", "--steps", steps, "--hidden", hidden, "--batch", batch, "--seq", seq, "--cell",
                cell, "--activation", activation, "--optimizer", optimizer, "--lr", lr, "--clip", clip, "--seed", seed,
                "--print-every", report, "--sample-length", sample, "--temperature", temperature, "--out", out));
        if (!backend.isEmpty()) {
            args.addAll(List.of("--backend", backend));
        }
        return Cli.commandLine(new CharRnnCommand(), spec.commandLine().getOut(), spec.commandLine().getErr())
                .execute(args.toArray(new String[0]));
    }
}

package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.Generator;
import io.rnn4j.train.Trainer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sample}: generate text from a char-rnn checkpoint. */
@Command(name = "sample", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "Generate text from a char-rnn checkpoint.")
final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "FILE", required = true, description = "a checkpoint written by char-rnn")
    Path checkpoint;
    @Option(names = "--length", paramLabel = "N", description = "characters to generate")
    int length = 500;
    @Option(names = "--temperature", paramLabel = "X", description = "sampling temperature, ≥ 0 (0: greedy)")
    double temperature = 0.8;
    @Option(names = "--prime", paramLabel = "TEXT",
            description = "text fed first; every character must be in the vocabulary (default: its first character)")
    String prime;
    @Option(names = "--seed", paramLabel = "N", description = "sampling seed")
    long seed = 1;
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    @Override
    public Integer call() throws Exception {
        Cli.atLeast(spec, "--length", length, 1);
        Cli.inRange(spec, "--temperature", temperature, 0, Double.POSITIVE_INFINITY);
        Checkpoint cp = Checkpoint.read(checkpoint);
        String v = cp.metadata().get("vocabulary");
        if (v == null) {
            throw Cli.usage(spec, "the checkpoint " + checkpoint + " has no vocabulary: was it written by char-rnn?");
        }
        CharVocabulary vocab = CharVocabulary.fromJson(v);
        int[] primed;
        try {
            primed = prime == null ? new int[] {0} : vocab.encode(prime);
        } catch (IllegalArgumentException e) {
            throw Cli.usage(spec, "--prime: " + e.getMessage());
        }
        if (primed.length == 0) {
            throw Cli.usage(spec, "--prime is empty");
        }
        SplittableRandom r = new SplittableRandom(seed);
        try (Backend be = Studies.backend(backend); Trainer trainer = Checkpoint.load(checkpoint, be);
             var model = trainer.model(); Generator g = new Generator(model)) {
            // Streamed: a long sample is written as it is generated, never held whole in memory.
            java.io.PrintWriter out = spec.commandLine().getOut();
            StringBuilder sb = new StringBuilder(vocab.decode(primed));
            int tok = primed[0];
            for (int i = 1; i < primed.length; i++) {
                g.feed(tok);
                tok = primed[i];
            }
            for (int i = 0; i < length; i++) {
                tok = g.sampleNext(tok, temperature, r);
                sb.appendCodePoint(vocab.codePoint(tok));
                if (sb.length() >= 8192) {
                    out.print(sb);
                    out.flush();
                    sb.setLength(0);
                }
            }
            out.println(sb);
        }
        return 0;
    }
}

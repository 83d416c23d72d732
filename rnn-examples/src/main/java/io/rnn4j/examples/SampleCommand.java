package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Generator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** {@code sample}: generate text from a char-rnn checkpoint. */
final class SampleCommand implements Command {
    static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("checkpoint", "");
        OPTIONS.put("length", "500");
        OPTIONS.put("temperature", "0.8");
        OPTIONS.put("prime", "");
        OPTIONS.put("seed", "1");
        OPTIONS.put("backend", "");
    }

    @Override
    public String name() {
        return "sample";
    }

    @Override
    public String summary() {
        return "generate text from a char-rnn checkpoint";
    }

    @Override
    public String help() {
        return """
                usage: java -jar rnn-examples.jar sample --checkpoint FILE [options]

                options (default in brackets):
                  --checkpoint FILE   a checkpoint written by char-rnn (required)
                  --length N          characters to generate [500]
                  --temperature X     0 = greedy [0.8]
                  --prime TEXT        text fed first (every character must be in the vocabulary) [its first character]
                  --seed N            sampling seed [1]
                  --backend NAME      force a backend
                """;
    }

    @Override
    public int run(List<String> argv, PrintStream out) throws Exception {
        Args a = new Args(argv, OPTIONS);
        if (a.get("checkpoint").isEmpty()) {
            throw new Args.UsageException("--checkpoint FILE is required");
        }
        int length = a.integer("length", 1);
        double temperature = a.number("temperature");
        Checkpoint cp = Checkpoint.read(Path.of(a.get("checkpoint")));
        String v = cp.metadata().get("vocabulary");
        if (v == null) {
            throw new Args.UsageException("the checkpoint has no vocabulary: was it written by char-rnn?");
        }
        CharVocabulary vocab = CharRnnCommand.vocabFrom(v);
        int[] prime = a.get("prime").isEmpty() ? new int[] {0} : a.parse("prime", vocab::encode);
        SplittableRandom r = new SplittableRandom(a.longValue("seed"));
        try (Backend backend = Studies.backend(a.get("backend"));
             RnnModel model = new RnnModel(backend, cp.modelConfig());
             io.rnn4j.train.Trainer trainer = new io.rnn4j.train.Trainer(model, cp.trainerConfig())) {
            cp.restore(trainer);
            StringBuilder sb = new StringBuilder(vocab.decode(prime));
            try (Generator g = new Generator(model)) {
                int tok = prime[0];
                for (int i = 1; i < prime.length; i++) {
                    g.feed(tok);
                    tok = prime[i];
                }
                for (int i = 0; i < length; i++) {
                    tok = g.sampleNext(tok, temperature, r);
                    sb.appendCodePoint(vocab.codePoint(tok));
                }
            }
            out.println(sb);
        }
        return 0;
    }
}

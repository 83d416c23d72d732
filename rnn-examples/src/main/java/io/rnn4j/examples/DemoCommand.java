package io.rnn4j.examples;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.data.SequenceBatcher;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Generator;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.StepResult;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The main demo: a character-level Elman RNN trained with truncated BPTT on a short built-in text
 * (or {@code --text FILE}), printing loss, gradient norm, clip scale and throughput as it goes, then
 * a sample of generated text.
 */
final class DemoCommand implements Command {
    private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("text", "");
        OPTIONS.put("steps", "1000");
        OPTIONS.put("hidden", "128");
        OPTIONS.put("batch", "16");
        OPTIONS.put("seq", "32");
        OPTIONS.put("activation", "tanh");
        OPTIONS.put("optimizer", "adam");
        OPTIONS.put("lr", "0.005");
        OPTIONS.put("clip", "global:5");
        OPTIONS.put("seed", "1");
        OPTIONS.put("report", "50");
        OPTIONS.put("sample", "300");
        OPTIONS.put("temperature", "0.5");
        OPTIONS.put("backend", "");
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "train a character-level RNN on a short text and sample from it (about half a minute)";
    }

    @Override
    public String help() {
        return """
                usage: java -jar rnn-examples.jar demo [options]

                Trains a character-level Elman RNN with truncated BPTT (carried hidden state), softmax
                cross-entropy (mean over characters), global-norm clipping and Adam, printing progress,
                then samples text from the trained model.

                options (default in brackets):
                  --text FILE          train on this UTF-8 file [a built-in 2 KB text]
                  --steps N            training steps [1000]
                  --hidden H           hidden units [128]
                  --batch B            sequences per batch [16]
                  --seq T              BPTT window length [32]
                  --activation F       tanh | logistic | relu | prelu | identity [tanh]
                  --optimizer NAME     sgd | momentum | adagrad | rmsprop | adam [adam]
                  --lr X               learning rate [0.005]
                  --clip MODE          none | global:THETA | value:C [global:5]
                  --seed N             initialization seed [1]
                  --report N           print a line every N steps [50]
                  --sample N           characters to sample at the end [300]
                  --temperature X      sampling temperature, 0 = greedy [0.5]
                  --backend NAME       force a backend (default: -Drnn4j.backend, RNN4J_BACKEND, or the best available)
                """;
    }

    @Override
    public int run(List<String> argv, PrintStream out) throws Exception {
        Args a = new Args(argv, OPTIONS);
        String text = a.get("text").isEmpty() ? builtInText() : Files.readString(Path.of(a.get("text")), StandardCharsets.UTF_8);
        int steps = a.integer("steps", 1);
        int hidden = a.integer("hidden", 1);
        int batch = a.integer("batch", 1);
        int seq = a.integer("seq", 1);
        int report = a.integer("report", 1);
        int sample = a.integer("sample", 0);
        double temperature = a.number("temperature");
        Activation f = a.parse("activation", Activation::parse);
        Clipping clip = a.parse("clip", Clipping::parse);
        double lr = a.number("lr");
        OptimizerConfig opt = a.parse("optimizer", n -> OptimizerConfig.parse(n, lr));
        CharVocabulary vocab = CharVocabulary.of(text);
        int[] tokens = vocab.encode(text);
        SequenceBatcher batches;
        try {
            batches = new SequenceBatcher(tokens, batch, seq);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        RnnConfig cfg = RnnConfig.tokens(vocab.size(), hidden).activation(f).seed(a.longValue("seed")).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(opt).clipping(clip).reduction(Reduction.MEAN)
                .carryState(true).build();
        try (Backend backend = a.get("backend").isEmpty() ? Backends.select() : Backends.select(a.get("backend"));
             RnnModel model = new RnnModel(backend, cfg);
             Trainer trainer = new Trainer(model, tc)) {
            out.printf("rnn4j demo: character-level Elman RNN%n");
            out.printf("  backend     %s%n", backend.description());
            out.printf("  text        %,d characters, vocabulary %d%n", tokens.length, vocab.size());
            out.printf("  model       H=%d, %s, %,d parameters%n", hidden, f.id(), model.parameterCount());
            out.printf("  training    B=%d, T=%d (truncated BPTT, state carried), %s, clip %s, %d steps%n%n",
                    batch, seq, opt, clip, steps);
            out.printf("%6s  %9s  %9s  %9s  %9s  %12s%n", "step", "loss", "bits/char", "grad norm", "clip", "chars/s");
            double smooth = Math.log(vocab.size());
            long chars = 0;
            long nanos = 0;
            for (int s = 1; s <= steps; s++) {
                if (batches.atStart()) {
                    trainer.resetState();
                }
                StepResult r = trainer.step(batches.next());
                smooth = 0.95 * smooth + 0.05 * r.loss();
                chars += r.tokens();
                nanos += r.elapsedNanos();
                if (s % report == 0 || s == steps || s == 1) {
                    out.printf("%6d  %9.4f  %9.3f  %9.3f  %9.3f  %,12.0f%n", s, smooth, smooth / Math.log(2),
                            r.gradNorm(), r.clipScale(), chars * 1e9 / nanos);
                    chars = 0;
                    nanos = 0;
                }
            }
            if (sample > 0) {
                out.printf("%nsample (temperature %.2f):%n", temperature);
                out.println(sample(model, vocab, tokens[0], sample, temperature, new SplittableRandom(a.longValue("seed"))));
            }
        }
        return 0;
    }

    static String sample(RnnModel model, CharVocabulary vocab, int first, int length, double temperature,
                         SplittableRandom rng) {
        int[] out = new int[length];
        try (Generator g = new Generator(model)) {
            int tok = first;
            for (int i = 0; i < length; i++) {
                out[i] = tok;
                tok = g.sampleNext(tok, temperature, rng);
            }
        }
        return vocab.decode(out);
    }

    static String builtInText() throws java.io.IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream("corpus.txt")) {
            if (in == null) {
                throw new IllegalStateException("built-in corpus missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

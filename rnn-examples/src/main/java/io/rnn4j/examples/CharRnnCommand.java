package io.rnn4j.examples;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.data.SequenceBatcher;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Generator;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.StepResult;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code char-rnn}: a character-level language model on any text, with truncated BPTT, periodic
 * loss and smoothed loss, samples, checkpoints and resume. {@code --preset min-char-rnn} runs the
 * classic configuration and its 0.999-smoothed loss.
 */
final class CharRnnCommand implements Command {
    static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("text", "");
        OPTIONS.put("preset", "");
        OPTIONS.put("batch", "32");
        OPTIONS.put("seq", "64");
        OPTIONS.put("hidden", "256");
        OPTIONS.put("activation", "tanh");
        OPTIONS.put("cell", "elman");
        OPTIONS.put("layers", "1");
        OPTIONS.put("init", "");
        OPTIONS.put("optimizer", "adam");
        OPTIONS.put("lr", "0.002");
        OPTIONS.put("clip", "global:5");
        OPTIONS.put("reduction", "mean");
        OPTIONS.put("steps", "2000");
        OPTIONS.put("print-every", "100");
        OPTIONS.put("smoothing", "0.999");
        OPTIONS.put("sample-every", "500");
        OPTIONS.put("sample-length", "200");
        OPTIONS.put("temperature", "0.8");
        OPTIONS.put("checkpoint", "");
        OPTIONS.put("checkpoint-every", "1000");
        OPTIONS.put("resume", "");
        OPTIONS.put("seed", "1");
        OPTIONS.put("out", "out/char-rnn");
        OPTIONS.put("backend", "");
    }

    @Override
    public String name() {
        return "char-rnn";
    }

    @Override
    public String summary() {
        return "a character-level language model on any text file, with samples, checkpoints and resume";
    }

    @Override
    public String help() {
        return """
                usage: java -jar rnn-examples.jar char-rnn --text FILE [options]

                Trains a character-level Elman RNN on a UTF-8 text with truncated BPTT (the hidden state is carried
                from each window to the next, reset at each pass over the text). Prints the loss and an
                exponentially smoothed loss, samples text, writes checkpoints (safetensors) and resumes from one.
                Writes char-rnn.csv (step, loss, smoothed) and char-rnn.png to --out.

                options (default in brackets):
                  --text FILE            training text (required; "builtin" for the demo's 2 KB text)
                  --preset min-char-rnn  batch 1, seq 25, hidden 100, Adagrad lr 0.1, value clip 5, summed loss,
                                         weights N(0, 0.01²), zero biases (options given after it still apply)
                  --batch B              sequences per step (parallel tracks of the text) [32]
                  --seq T                truncated-BPTT window [64]
                  --hidden H             hidden units [256]
                  --activation F         tanh | logistic | relu | prelu | identity [tanh] (Elman)
                  --cell C               elman | lstm | gru [elman]
                  --layers L             stacked recurrent layers [1]
                  --init SPEC            initializer of every weight matrix [uniform ±1/√H]
                  --optimizer NAME       sgd | momentum | adagrad | rmsprop | adam [adam]
                  --lr X                 learning rate [0.002]
                  --clip MODE            none | global:THETA | value:C [global:5]
                  --reduction R          mean (nats per character) | sum (per window) [mean]
                  --steps N              total training steps (a resumed run continues to N) [2000]
                  --print-every N        [100]
                  --smoothing S          smoothed = S·smoothed + (1 − S)·loss [0.999]
                  --sample-every N       [500] (0: only at the end)
                  --sample-length N      [200]
                  --temperature X        sampling temperature [0.8]
                  --checkpoint FILE      write checkpoints here [none]
                  --checkpoint-every N   [1000]
                  --resume FILE          continue from a checkpoint written by this command
                  --seed N               initialization and sampling seed [1]
                  --out DIR              output folder [out/char-rnn]
                  --backend NAME         force a backend
                """;
    }

    @Override
    public int run(List<String> argv, PrintStream out) throws Exception {
        List<String> effective = new ArrayList<>();
        int presetAt = argv.indexOf("--preset");
        if (presetAt >= 0 && presetAt + 1 < argv.size()) {
            if (!argv.get(presetAt + 1).equals("min-char-rnn")) {
                throw new Args.UsageException("unknown preset '" + argv.get(presetAt + 1) + "' (expected min-char-rnn)");
            }
            effective.addAll(List.of("--batch", "1", "--seq", "25", "--hidden", "100", "--optimizer", "adagrad",
                    "--lr", "0.1", "--clip", "value:5", "--reduction", "sum", "--init", "normal:0.01"));
        }
        effective.addAll(argv);
        Args a = new Args(effective, OPTIONS);
        if (a.get("text").isEmpty()) {
            throw new Args.UsageException("--text FILE is required");
        }
        String text;
        if (a.get("text").equals(BUILTIN)) {
            text = builtInText();
        } else {
            Path textPath = Path.of(a.get("text"));
            if (!Files.isReadable(textPath)) {
                throw new Args.UsageException("cannot read --text " + textPath);
            }
            text = Files.readString(textPath, StandardCharsets.UTF_8);
        }
        int batch = a.integer("batch", 1);
        int seq = a.integer("seq", 1);
        int hidden = a.integer("hidden", 1);
        int steps = a.integer("steps", 1);
        int printEvery = a.integer("print-every", 1);
        int sampleEvery = a.integer("sample-every", 0);
        int sampleLength = a.integer("sample-length", 0);
        int checkpointEvery = a.integer("checkpoint-every", 1);
        double smoothing = a.number("smoothing");
        double temperature = a.number("temperature");
        Activation f = a.parse("activation", Activation::parse);
        Clipping clip = a.parse("clip", Clipping::parse);
        Reduction reduction = a.parse("reduction", Reduction::parse);
        OptimizerConfig opt = Studies.optimizer(a);
        long seed = a.longValue("seed");
        CharVocabulary vocab = CharVocabulary.of(text);
        int[] tokens = vocab.encode(text);
        SequenceBatcher batches;
        try {
            batches = new SequenceBatcher(tokens, batch, seq);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        RnnConfig.Builder mb = RnnConfig.tokens(vocab.size(), hidden).activation(f).seed(seed)
                .cell(a.parse("cell", io.rnn4j.nn.CellType::parse)).layers(a.integer("layers", 1));
        if (!a.get("init").isEmpty()) {
            mb.init(a.parse("init", Init::parse));
        }
        TrainerConfig tc = TrainerConfig.builder().optimizer(opt).clipping(clip).reduction(reduction).carryState(true)
                .build();
        Path checkpoint = a.get("checkpoint").isEmpty() ? null : Path.of(a.get("checkpoint"));
        Output output = new Output(Path.of(a.get("out")), out);
        Rng rng = new Rng(seed);
        try (Backend backend = Studies.backend(a.get("backend"))) {
            Trainer trainer;
            RnnModel model;
            int window = 0;
            double smooth;
            if (!a.get("resume").isEmpty()) {
                Path from = Path.of(a.get("resume"));
                Checkpoint cp = Checkpoint.read(from);
                String v = cp.metadata().get("vocabulary");
                if (v == null || !v.equals(vocabJson(vocab))) {
                    throw new Args.UsageException("checkpoint " + from + " was trained on a text with another vocabulary");
                }
                trainer = Checkpoint.load(from, backend);
                model = trainer.model();
                window = Integer.parseInt(cp.metadata().getOrDefault("batcher.window", "0"));
                smooth = Double.parseDouble(cp.metadata().getOrDefault("smoothed_loss", "NaN"));
                rng.setState(Long.parseLong(cp.metadata().getOrDefault("rng", Long.toString(seed))));
                out.printf("resumed from %s at step %d%n", from, trainer.stepCount());
            } else {
                model = new RnnModel(backend, mb.build());
                trainer = new Trainer(model, tc);
                smooth = Double.NaN;
            }
            for (int i = 0; i < window; i++) {
                batches.next();
            }
            if (Double.isNaN(smooth)) {
                // The loss of a uniform prediction: ln V per character (times the window for a summed loss).
                smooth = Math.log(vocab.size()) * (reduction == Reduction.SUM ? batch * seq : 1);
            }
            out.printf("char-rnn: %,d characters, vocabulary %d; %s×%d H=%d %s, B=%d, T=%d, %s, clip %s, %s loss, backend %s%n",
                    tokens.length, vocab.size(), model.config().cell().name().toLowerCase(), model.config().layers(),
                    model.config().hiddenSize(),
                    model.config().activation().id(), batch, seq,
                    trainer.config().optimizer(), trainer.config().clipping(),
                    trainer.config().reduction().name().toLowerCase(), backend.description());
            out.printf("%8s %12s %14s %12s %14s%n", "step", "loss", "smoothed", "grad norm", "chars/s");
            List<double[]> rows = new ArrayList<>();
            long chars = 0;
            long nanos = 0;
            try (Progress bar = new Progress("char-rnn", steps - trainer.stepCount())) {
                while (trainer.stepCount() < steps) {
                    if (batches.atStart()) {
                        trainer.resetState();
                    }
                    StepResult r = trainer.step(batches.next());
                    window = (window + 1) % batches.windowsPerEpoch();
                    smooth = smoothing * smooth + (1 - smoothing) * r.loss();
                    chars += r.tokens();
                    nanos += r.elapsedNanos();
                    long s = trainer.stepCount();
                    rows.add(new double[] {s, r.loss(), smooth});
                    bar.step();
                    if (s % printEvery == 0 || s == steps) {
                        out.printf("%8d %12.4f %14.4f %12.3f %,14.0f%n", s, r.loss(), smooth, r.gradNorm(),
                                chars * 1e9 / Math.max(1, nanos));
                        chars = 0;
                        nanos = 0;
                    }
                    if (sampleEvery > 0 && s % sampleEvery == 0 && s != steps) {
                        out.printf("--- sample at step %d ---%n%s%n---%n", s,
                                sample(model, vocab, tokens[0], sampleLength, temperature, rng));
                    }
                    if (checkpoint != null && (s % checkpointEvery == 0 || s == steps)) {
                        Map<String, String> meta = new LinkedHashMap<>();
                        meta.put("vocabulary", vocabJson(vocab));
                        meta.put("batcher.window", Integer.toString(window));
                        meta.put("smoothed_loss", Double.toString(smooth));
                        meta.put("rng", Long.toString(rng.state()));
                        Checkpoint.save(checkpoint, trainer, meta);
                    }
                }
            }
            if (sampleLength > 0) {
                out.printf("--- sample at step %d (temperature %.2f) ---%n%s%n---%n", trainer.stepCount(), temperature,
                        sample(model, vocab, tokens[0], sampleLength, temperature, rng));
            }
            output.csv("char-rnn.csv", "step,loss,smoothed_loss", rows);
            output.plot("char-rnn.png", "char-rnn training loss", "step", "loss", false, List.of(
                    new Output.Series("loss", rows.stream().mapToDouble(v -> v[0]).toArray(),
                            rows.stream().mapToDouble(v -> v[1]).toArray()),
                    new Output.Series("smoothed", rows.stream().mapToDouble(v -> v[0]).toArray(),
                            rows.stream().mapToDouble(v -> v[2]).toArray())));
            out.printf("final smoothed loss %.4f after %d steps; files: %s%s%n", smooth, trainer.stepCount(),
                    output.written(), checkpoint != null ? ", checkpoint " + checkpoint : "");
            trainer.close();
            model.close();
        }
        return 0;
    }

    /** The {@code --text} value that selects the built-in text. */
    static final String BUILTIN = "builtin";

    /** The demo's built-in text (a resource of this jar). */
    static String builtInText() throws java.io.IOException {
        try (java.io.InputStream in = CharRnnCommand.class.getResourceAsStream("corpus.txt")) {
            if (in == null) {
                throw new IllegalStateException("built-in corpus missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String vocabJson(CharVocabulary v) {
        return v.toJson();
    }

    static CharVocabulary vocabFrom(String json) {
        return CharVocabulary.fromJson(json);
    }

    /** Samples {@code length} characters starting from token {@code first}. */
    static String sample(RnnModel model, CharVocabulary vocab, int first, int length, double temperature, Rng rng) {
        int[] out = new int[length];
        try (Generator g = new Generator(model)) {
            int tok = first;
            java.util.SplittableRandom sr = new java.util.SplittableRandom(rng.nextLong());
            for (int i = 0; i < length; i++) {
                out[i] = tok;
                tok = g.sampleNext(tok, temperature, sr);
            }
        }
        return vocab.decode(out);
    }
}

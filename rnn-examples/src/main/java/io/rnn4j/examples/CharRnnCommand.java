package io.rnn4j.examples;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.data.SequenceBatcher;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Generator;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.StepResult;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code char-rnn}: a character-level language model on any text, with truncated BPTT, periodic
 * loss and smoothed loss, samples, checkpoints and resume. {@code --preset min-char-rnn} runs the
 * classic configuration and its 0.999-smoothed loss.
 */
@Command(name = "char-rnn", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"A character-level language model on any text file, with samples, checkpoints and resume.", "",
            "Trains on a UTF-8 text with truncated BPTT (the hidden state is carried from each window to the next, "
                + "reset at each pass over the text). Prints the loss and an exponentially smoothed loss, samples "
                + "text, writes checkpoints (safetensors) and resumes from one. Writes char-rnn.csv (step, loss, "
                + "smoothed) and char-rnn.png to --out."})
final class CharRnnCommand implements Callable<Integer> {
    /** The {@code --text} value that selects the built-in text. */
    static final String BUILTIN = "builtin";

    @Spec
    CommandSpec spec;
    @picocli.CommandLine.Mixin
    TrainingOptions training = new TrainingOptions();
    @picocli.CommandLine.Mixin
    ModelOptions matrices = new ModelOptions();

    @Option(names = "--text", paramLabel = "FILE", required = true,
            description = "training text, UTF-8 (\"builtin\" for the demo's 2 KB text)")
    String text;
    @Option(names = "--preset", paramLabel = "NAME", description = "min-char-rnn: batch 1, seq 25, hidden 100, Adagrad "
            + "lr 0.1, value clip 5, summed loss, weights N(0, 0.01²), zero biases (options given explicitly win)")
    String preset;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per step (parallel tracks of the text)")
    int batch = 32;
    @Option(names = "--seq", paramLabel = "T", description = "truncated-BPTT window")
    int seq = 64;
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 256;
    @Option(defaultValue = "tanh", names = "--activation", paramLabel = "F", converter = Cli.ActivationConverter.class,
            description = "tanh | logistic | relu | prelu | identity (Elman)")
    Activation activation;
    @Option(defaultValue = "elman", names = "--cell", paramLabel = "C", converter = Cli.CellConverter.class, description = "elman | lstm | gru")
    CellType cell;
    @Option(names = "--layers", paramLabel = "L", description = "stacked recurrent layers")
    int layers = 1;
    @Option(names = "--init", paramLabel = "SPEC", converter = Cli.InitConverter.class,
            description = "initializer of every weight matrix (default: uniform ±1/√H)")
    Init init;
    @Option(names = "--optimizer", paramLabel = "NAME", converter = Studies.OptimizerNameConverter.class,
            description = "sgd | momentum | adagrad | rmsprop | adam")
    String optimizer = "adam";
    @Option(names = "--lr", paramLabel = "X", description = "learning rate")
    double lr = 0.002;
    @Option(defaultValue = "global:5", names = "--clip", paramLabel = "MODE", converter = Cli.ClippingConverter.class,
            description = "none | global:THETA | value:C")
    Clipping clip;
    @Option(defaultValue = "mean", names = "--reduction", paramLabel = "R", converter = Cli.ReductionConverter.class,
            description = "mean (nats per character) | sum (per window)")
    Reduction reduction;
    @Option(names = "--steps", paramLabel = "N", description = "total training steps (a resumed run continues to N)")
    int steps = 2000;
    @Option(names = "--print-every", paramLabel = "N", description = "steps between printed lines")
    int printEvery = 100;
    @Option(names = "--smoothing", paramLabel = "S", description = "smoothed = S·smoothed + (1 − S)·loss, in [0, 1)")
    double smoothing = 0.999;
    @Option(names = "--sample-every", paramLabel = "N", description = "steps between samples (0: only at the end)")
    int sampleEvery = 500;
    @Option(names = "--sample-length", paramLabel = "N", description = "characters per sample")
    int sampleLength = 200;
    @Option(names = "--temperature", paramLabel = "X", description = "sampling temperature, ≥ 0 (0: greedy)")
    double temperature = 0.8;
    @Option(names = "--checkpoint", paramLabel = "FILE", description = "write checkpoints here (default: none)")
    Path checkpoint;
    @Option(names = "--checkpoint-every", paramLabel = "N", description = "steps between checkpoints")
    int checkpointEvery = 1000;
    @Option(names = "--resume", paramLabel = "FILE", description = "continue from a checkpoint written by this command")
    Path resume;
    @Option(names = "--seed", paramLabel = "N", description = "initialization and sampling seed")
    long seed = 1;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path out = Path.of("out/char-rnn");
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    @Override
    public Integer call() throws Exception {
        applyPreset();
        checkRanges();
        OptimizerConfig opt = training.optimizer(spec, Studies.optimizer(spec, optimizer, lr));
        String corpus = BUILTIN.equals(text) ? builtInText() : TextFiles.read(spec, "--text", Path.of(text));
        CharVocabulary vocab = CharVocabulary.of(corpus);
        int[] tokens = vocab.encode(corpus);
        Checkpoint from = null;
        ResumeChecks checks = null;
        if (resume != null) {
            from = Checkpoint.read(resume);
            checks = new ResumeChecks(spec, from, resume);
            checks.check(vocab, opt, this);
            checks.checkTraining(training, matrices);
        }
        fitWindowToText(tokens.length);
        SequenceBatcher batches = new SequenceBatcher(tokens, batch, seq);
        int window = 0;
        double smooth = Double.NaN;
        long rngState = seed;
        if (checks != null) {
            window = checks.window(batches.windowsPerEpoch());
            smooth = checks.smoothedLoss();
            rngState = checks.rngState(seed);
        }
        if (checkpoint != null) {
            TextFiles.checkWritable(spec, "--checkpoint", checkpoint);
        }
        PrintWriter log = spec.commandLine().getOut();
        Output output = new Output(out, log);
        Rng rng = new Rng(seed);
        try (Backend be = Studies.backend(backend)) {
            Trainer trainer;
            if (from != null) {
                trainer = Checkpoint.load(resume, be);
                rng.setState(rngState);
                log.printf("resumed from %s at step %d%n", resume, trainer.stepCount());
            } else {
                RnnConfig.Builder mb = RnnConfig.tokens(vocab.size(), hidden).activation(activation).seed(seed)
                        .cell(cell).layers(layers);
                if (init != null) {
                    mb.init(init);
                }
                trainer = new Trainer(new RnnModel(be, matrices.build(spec, mb)), training.apply(spec,
                        TrainerConfig.builder().optimizer(opt).clipping(clip).reduction(reduction).carryState(true))
                        .build());
            }
            try (RnnModel model = trainer.model(); Trainer t = trainer) {
                train(log, output, vocab, tokens, batches, t, model, window, smooth, rng, be.description());
            }
        }
        return 0;
    }

    /** The min-char-rnn preset's values for every option not given explicitly. */
    private void applyPreset() {
        if (preset == null) {
            return;
        }
        if (!preset.equals("min-char-rnn")) {
            throw Cli.usage(spec, "unknown preset '" + preset + "' (expected min-char-rnn)");
        }
        if (!Cli.given(spec, "--batch")) {
            batch = 1;
        }
        if (!Cli.given(spec, "--seq")) {
            seq = 25;
        }
        if (!Cli.given(spec, "--hidden")) {
            hidden = 100;
        }
        if (!Cli.given(spec, "--optimizer")) {
            optimizer = "adagrad";
        }
        if (!Cli.given(spec, "--lr")) {
            lr = 0.1;
        }
        if (!Cli.given(spec, "--eps") && optimizer.equalsIgnoreCase("adagrad")) {
            training.eps = 1e-8; // min-char-rnn's 1e-8 (added to the root), not PyTorch's 1e-10
        }
        if (!Cli.given(spec, "--clip")) {
            clip = Clipping.value(5);
        }
        if (!Cli.given(spec, "--reduction")) {
            reduction = Reduction.SUM;
        }
        if (!Cli.given(spec, "--init")) {
            init = Init.parse("normal:0.01");
        }
    }

    private void checkRanges() {
        Cli.atLeast(spec, "--batch", batch, 1);
        Cli.atLeast(spec, "--seq", seq, 1);
        Cli.atLeast(spec, "--hidden", hidden, 1);
        Cli.between(spec, "--layers", layers, 1, Cli.MAX_LAYERS);
        Cli.atLeast(spec, "--steps", steps, 1);
        Cli.atLeast(spec, "--print-every", printEvery, 1);
        Cli.atLeast(spec, "--sample-every", sampleEvery, 0);
        Cli.atLeast(spec, "--sample-length", sampleLength, 0);
        Cli.atLeast(spec, "--checkpoint-every", checkpointEvery, 1);
        Cli.inRange(spec, "--smoothing", smoothing, 0, 1);
        Cli.inRange(spec, "--temperature", temperature, 0, Double.POSITIVE_INFINITY);
    }

    /**
     * A text shorter than one window of every track: lowers --batch (then --seq) when the user left
     * them at their defaults, else says which option to lower.
     */
    private void fitWindowToText(int n) {
        if ((long) batch * seq + 1 <= n) {
            return;
        }
        boolean batchGiven = Cli.given(spec, "--batch") || resume != null;
        boolean seqGiven = Cli.given(spec, "--seq") || resume != null;
        if (!batchGiven && n - 1 >= seq) {
            int b = (n - 1) / seq;
            spec.commandLine().getOut().printf("(the text has %,d characters: --batch lowered from %d to %d so that %d "
                    + "tracks of --seq %d fit)%n", n, batch, b, b, seq);
            batch = b;
        } else if (!batchGiven && !seqGiven && n >= 2) {
            spec.commandLine().getOut().printf("(the text has %,d characters: --batch lowered to 1 and --seq to %d)%n",
                    n, n - 1);
            batch = 1;
            seq = n - 1;
        } else {
            throw Cli.usage(spec, "the text has " + n + " characters, too short for --batch " + batch + " × --seq " + seq
                    + " (needs at least " + ((long) batch * seq + 1) + "): lower --batch or --seq");
        }
    }

    private void train(PrintWriter log, Output output, CharVocabulary vocab, int[] tokens, SequenceBatcher batches,
                       Trainer trainer, RnnModel model, int window, double smooth, Rng rng, String backendName)
            throws Exception {
        for (int i = 0; i < window; i++) {
            batches.next();
        }
        if (Double.isNaN(smooth)) {
            // The loss of a uniform prediction: ln V per character (times the window for a summed loss).
            smooth = Math.log(vocab.size()) * (trainer.config().reduction() == Reduction.SUM ? batch * seq : 1);
        }
        RnnConfig mc = model.config();
        String settings = String.format(java.util.Locale.ROOT, "%,d characters, vocabulary %d; %s×%d H=%d %s, B=%d,"
                + " T=%d, %s, clip %s, %s loss", tokens.length, vocab.size(),
                mc.cell().name().toLowerCase(java.util.Locale.ROOT), mc.layers(), mc.hiddenSize(), mc.activation().id(),
                batch, seq, trainer.config().optimizer(), trainer.config().clipping(),
                trainer.config().reduction().name().toLowerCase(java.util.Locale.ROOT));
        log.printf("char-rnn: %s, backend %s%n", settings, backendName);
        log.printf("%8s %12s %14s %12s %14s%n", "step", "loss", "smoothed", "grad norm", "chars/s");
        List<double[]> rows = new ArrayList<>();
        long chars = 0;
        long nanos = 0;
        long allChars = 0;
        long allNanos = 0;
        long first = trainer.stepCount();
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
                allChars += r.tokens();
                allNanos += r.elapsedNanos();
                long s = trainer.stepCount();
                rows.add(new double[] {s, r.loss(), smooth});
                bar.step();
                if (s % printEvery == 0 || s == steps) {
                    log.printf("%8d %12.4f %14.4f %12.3f %,14.0f%n", s, r.loss(), smooth, r.gradNorm(),
                            chars * 1e9 / Math.max(1, nanos));
                    chars = 0;
                    nanos = 0;
                }
                if (sampleEvery > 0 && s % sampleEvery == 0 && s != steps) {
                    log.printf("--- sample at step %d ---%n%s%n---%n", s,
                            sample(model, vocab, tokens[0], sampleLength, temperature, rng));
                }
                if (checkpoint != null && (s % checkpointEvery == 0 || s == steps)) {
                    Map<String, String> meta = new LinkedHashMap<>();
                    meta.put("vocabulary", vocab.toJson());
                    meta.put("batcher.window", Integer.toString(window));
                    meta.put("batcher.batch", Integer.toString(batch));
                    meta.put("batcher.seq", Integer.toString(seq));
                    meta.put("smoothed_loss", Double.toString(smooth));
                    meta.put("rng", Long.toString(rng.state()));
                    Checkpoint.save(checkpoint, trainer, meta);
                }
            }
        }
        if (sampleLength > 0) {
            log.printf("--- sample at step %d (temperature %.2f) ---%n%s%n---%n", trainer.stepCount(), temperature,
                    sample(model, vocab, tokens[0], sampleLength, temperature, rng));
        }
        output.csv("char-rnn.csv", "step,loss,smoothed_loss", rows);
        output.plot("char-rnn.png", "char-rnn training loss", "step", "loss", false, List.of(
                new Output.Series("loss", rows.stream().mapToDouble(v -> v[0]).toArray(),
                        rows.stream().mapToDouble(v -> v[1]).toArray()),
                new Output.Series("smoothed", rows.stream().mapToDouble(v -> v[0]).toArray(),
                        rows.stream().mapToDouble(v -> v[2]).toArray())));
        java.util.Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("settings", settings);
        summary.put("preset", preset);
        summary.put("first_step", first + 1);
        summary.put("steps", trainer.stepCount());
        summary.put("final_smoothed_loss", smooth);
        summary.put("chars_per_second", allChars * 1e9 / Math.max(1, allNanos));
        output.summary(spec, summary);
        log.printf("final smoothed loss %.4f after %d steps; files: %s%s%n", smooth, trainer.stepCount(),
                output.written(), checkpoint != null ? ", checkpoint " + checkpoint : "");
    }

    /** The demo's built-in text (a resource of this jar). */
    static String builtInText() throws java.io.IOException {
        try (java.io.InputStream in = CharRnnCommand.class.getResourceAsStream("corpus.txt")) {
            if (in == null) {
                throw new IllegalStateException("built-in corpus missing from the jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
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

package io.rnn4j.examples;

import io.rnn4j.data.CharVocabulary;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.TrainerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a resumed {@code char-rnn} run must agree with, said before any work: the text's vocabulary,
 * the model and optimizer options (a resumed run keeps the checkpoint's, so a differing one given
 * explicitly is an error, not ignored), the batch layout of the carried state (taken from the
 * checkpoint when not given), and a step target beyond the checkpoint's step.
 */
final class ResumeChecks {
    private final CommandSpec spec;
    private final Checkpoint cp;
    private final Path file;

    ResumeChecks(CommandSpec spec, Checkpoint cp, Path file) {
        this.spec = spec;
        this.cp = cp;
        this.file = file;
    }

    void check(CharVocabulary vocab, OptimizerConfig opt, CharRnnCommand c) throws Exception {
        String v = cp.metadata().get("vocabulary");
        if (v == null || !v.equals(vocab.toJson())) {
            throw Cli.usage(spec, "checkpoint " + file + " was trained on a text with another vocabulary");
        }
        RnnConfig m = cp.modelConfig();
        TrainerConfig t = cp.trainerConfig();
        same("--hidden", c.hidden, m.hiddenSize());
        same("--layers", c.layers, m.layers());
        same("--cell", c.cell, m.cell());
        same("--activation", c.activation, m.activation());
        same("--optimizer", opt.kind(), t.optimizer().kind());
        same("--lr", opt.learningRate(), t.optimizer().learningRate());
        same("--clip", c.clip, t.clipping());
        same("--reduction", c.reduction, t.reduction());
        if (Cli.given(spec, "--init")) {
            throw Cli.usage(spec, "--init has no effect on a resumed run (the weights come from " + file + "): drop it");
        }
        int[] layout = layout(m);
        if (Cli.given(spec, "--batch") && c.batch != layout[0]) {
            throw Cli.usage(spec, "--batch " + c.batch + " differs from the checkpoint's " + layout[0] + " (its carried"
                    + " state is for " + layout[0] + " tracks): resume with --batch " + layout[0] + " or leave it out");
        }
        if (Cli.given(spec, "--seq") && layout[1] > 0 && c.seq != layout[1]) {
            throw Cli.usage(spec, "--seq " + c.seq + " differs from the checkpoint's " + layout[1] + ": resume with --seq "
                    + layout[1] + " or leave it out");
        }
        c.batch = layout[0];
        if (layout[1] > 0) {
            c.seq = layout[1];
        }
        long at = cp.step();
        if (c.steps <= at) {
            throw Cli.usage(spec, "the checkpoint is at step " + at + ", so --steps " + c.steps + " leaves nothing to do:"
                    + " give --steps above " + at);
        }
    }

    /**
     * The training options: an optimizer knob, a schedule or dropout given explicitly must equal the
     * checkpoint's; an initializer cannot apply to weights that come from the checkpoint.
     */
    void checkTraining(TrainingOptions o, ModelOptions m) throws Exception {
        TrainerConfig t = cp.trainerConfig();
        if (Cli.given(spec, "--schedule") || Cli.given(spec, "--warmup")) {
            String mine = (o.warmup > 0 ? o.schedule.withWarmup(o.warmup) : o.schedule).spec();
            if (!mine.equals(t.schedule().spec())) {
                throw Cli.usage(spec, "--schedule " + mine + " differs from the checkpoint's " + t.schedule().spec()
                        + ": a resumed run continues the checkpoint's schedule; drop --schedule and --warmup");
            }
        }
        same("--dropout", o.dropout, t.dropout());
        OptimizerConfig mine = o.optimizer(spec, t.optimizer());
        if (!mine.equals(t.optimizer())) {
            throw Cli.usage(spec, "the optimizer options ask for " + mine + ", but the checkpoint's optimizer is "
                    + t.optimizer() + ": a resumed run keeps it; drop those options");
        }
        if (m.any()) {
            throw Cli.usage(spec, "--init-input, --init-recurrent and --init-output have no effect on a resumed run"
                    + " (the weights come from " + file + "): drop them");
        }
    }

    /** B and T of the checkpoint's run (T 0 when a 0.1 checkpoint did not record it). */
    private int[] layout(RnnConfig m) {
        String b = cp.metadata().get("batcher.batch");
        String t = cp.metadata().get("batcher.seq");
        if (b != null) {
            return new int[] {integer("batcher.batch", 1, Integer.MAX_VALUE),
                t == null ? 0 : integer("batcher.seq", 1, Integer.MAX_VALUE)};
        }
        float[] h = cp.tensors().get("state.hidden");
        return new int[] {h == null ? 1 : h.length / m.layers() / m.hiddenSize(), 0};
    }

    /**
     * A whole-number metadata entry of the checkpoint in {@code [min, max]}, checked as a command-line option
     * is: a checkpoint's metadata is input too.
     */
    int integer(String key, int min, int max) {
        String v = cp.metadata().get(key);
        try {
            int x = Integer.parseInt(v.trim());
            if (x >= min && x <= max) {
                return x;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // below
        }
        throw Cli.usage(spec, "checkpoint " + file + ": its metadata '" + key + "' is " + (v == null ? "missing"
                : "'" + v + "'") + ", not a whole number in [" + min + ", " + max + "] (was it written by char-rnn?)");
    }

    /** The batcher's window position of the checkpoint: a whole number below the text's windows per pass. */
    int window(int windowsPerPass) {
        if (!cp.metadata().containsKey("batcher.window")) {
            return 0;
        }
        return integer("batcher.window", 0, windowsPerPass - 1);
    }

    /** The smoothed loss of the checkpoint's run (NaN when it has none). */
    double smoothedLoss() {
        String v = cp.metadata().getOrDefault("smoothed_loss", "NaN");
        try {
            double x = Double.parseDouble(v);
            if (Double.isNaN(x) || Double.isFinite(x)) {
                return x;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw Cli.usage(spec, "checkpoint " + file + ": its metadata 'smoothed_loss' is '" + v + "', not a number");
    }

    /** The sampling RNG's state of the checkpoint's run ({@code dflt} when it has none). */
    long rngState(long dflt) {
        String v = cp.metadata().get("rng");
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw Cli.usage(spec, "checkpoint " + file + ": its metadata 'rng' is '" + v + "', not a whole number");
        }
    }

    /** An option given explicitly must equal the checkpoint's value. */
    private void same(String option, Object given, Object stored) {
        if (Cli.given(spec, option) && !given.equals(stored)) {
            throw Cli.usage(spec, option + " " + given + " differs from the checkpoint's " + stored + ": a resumed run"
                    + " keeps the checkpoint's model and optimizer; drop " + option + " (or start a new run without"
                    + " --resume)");
        }
    }
}

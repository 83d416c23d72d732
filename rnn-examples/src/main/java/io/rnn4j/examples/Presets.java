package io.rnn4j.examples;

import io.rnn4j.nn.Init;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Regularizer;

/**
 * The papers' experiments as presets: each sets every option the user did not give to its
 * source's setup, so that a run can be laid beside the published curves. What each source states,
 * and where it is silent (our choice, marked), is in the option's help and in docs/STUDIES.md.
 */
final class Presets {
    private Presets() {
    }

    /** The help text of {@code adding --preset}. */
    static final String ADDING_HELP = "le2015: Le, Jaitly & Hinton 2015 (IRNN): ReLU, U = I, input and output weights "
            + "from N(0, 0.001²), zero biases, 100 hidden units, minibatches of 16, plain SGD at lr 0.01, gradient-norm "
            + "clipping at their best threshold for T (150: 100, 200: 1, 300: 10, 400: 1; others: 1), T = 150, 100,000 "
            + "steps. pascanu2013: Pascanu, Mikolov & Bengio 2013 (SGD-CR) as their released code runs it "
            + "(pascanur/trainingRNNs, RNN.py and addition.py): their adding task (--task pascanu: the mean of the "
            + "marked values, base lengths 50-200 plus up to 10%), tanh, 50 hidden units, SGD at lr 0.01, gradient-norm "
            + "clipping at 1, Ω at α = 2, minibatches of 20, 10,000 test sequences, a sequence solved at squared error "
            + "<= 0.04; weights from N(0, 0.1²) (the code's basic_tanh), 50,000 steps.";

    /** Where {@code adding --preset pascanu2013} differs from the authors' code (printed in the run's header). */
    static final String PASCANU_DIFFERENCES = "differences from the authors' code: weights from N(0, 0.1²) (the code's"
            + " basic_tanh; its default smart_tanh, a sparse U scaled to spectral radius 0.95, is not an rnn4j"
            + " initializer); Ω is the paper's norm ratio (‖·‖/‖·‖ − 1)², the code squares both norms; the code"
            + " evaluates every 20 updates on 10,000 freshly drawn sequences and stops when none fails (up to"
            + " 5,000,000 updates), this run on one test set drawn once, at --eval-every, for --steps; the code"
            + " replaces a non-finite or > 1e10 gradient by 0.02·W_hh, this run skips that update";

    /** The help text of {@code copy --preset}. */
    static final String COPY_HELP = "arjovsky2016: Arjovsky, Shah & Bengio 2016's copying task as their released code"
            + " (amarshah/complex_RNN, memory_problem.py, models.py, optimizations.py) runs it: an LSTM with 40"
            + " hidden units or (--model tanh) an RNN with 80, W, U and V Glorot-uniform, the LSTM's forget bias 1,"
            + " gradients clipped element-wise at 1, RMSProp at lr 0.001 with decay 0.9, minibatches of 20, 20,000"
            + " iterations, 10,000 test sequences, T = 100 (the paper's copy lengths: 100, 200, 300, 500).";

    /**
     * Where {@code copy --preset arjovsky2016} differs from the authors' code (printed in the run's header):
     * what rnn4j cannot express yet, or does otherwise.
     */
    static final String COPY_DIFFERENCES = "differences from the authors' code: RMSProp's accumulator starts at 0 with"
            + " ε = 1e-8 here (the code starts it at 1e-3 with no ε); the LSTM has no peephole on the output gate"
            + " (the code's V_o); h_0 and c_0 are zeros, not learned; 10 output classes (the code's 9: the"
            + " delimiter is never a target); fresh training sequences every step (the code draws 100,000 once)";

    /** Applies an {@code adding} preset to the options not given. */
    static void adding(AddingCommand c) {
        switch (c.preset) {
            case "le2015" -> {
                set(c, "--model", () -> c.model = Studies.ModelKind.parse("irnn"));
                set(c, "--T", () -> c.t = 150);
                set(c, "--hidden", () -> c.hidden = 100);
                set(c, "--batch", () -> c.batch = 16);
                set(c, "--optimizer", () -> c.optimizer = "sgd");
                set(c, "--lr", () -> c.lr = 0.01);
                set(c, "--steps", () -> c.steps = 100_000);
                set(c, "--eval-every", () -> c.every = 1000);
                set(c, "--init-input", () -> c.matrices.input = Init.normal(0.001));
                set(c, "--init-output", () -> c.matrices.output = Init.normal(0.001));
                set(c, "--clip", () -> c.clip = Clipping.globalNorm(switch (c.t) {
                    case 150 -> 100;
                    case 300 -> 10;
                    default -> 1;
                }));
            }
            case "pascanu2013" -> {
                set(c, "--model", () -> c.model = Studies.ModelKind.parse("tanh"));
                set(c, "--task", () -> c.task = "pascanu");
                set(c, "--T", () -> c.t = 50);
                set(c, "--max-length", () -> c.maxLength = 200);
                set(c, "--hidden", () -> c.hidden = 50);
                set(c, "--batch", () -> c.batch = 20);
                set(c, "--optimizer", () -> c.optimizer = "sgd");
                set(c, "--lr", () -> c.lr = 0.01);
                set(c, "--steps", () -> c.steps = 50_000);
                set(c, "--eval-every", () -> c.every = 1000);
                set(c, "--test-sequences", () -> c.testSequences = 10_000);
                set(c, "--init", () -> c.init = Init.normal(0.1));
                set(c, "--init-input", () -> c.matrices.input = Init.normal(0.1));
                set(c, "--init-output", () -> c.matrices.output = Init.normal(0.1));
                set(c, "--clip", () -> c.clip = Clipping.globalNorm(1));
                set(c, "--regularizer", () -> c.training.regularizer = Regularizer.omega(2));
            }
            default -> throw Cli.usage(c.spec, "unknown preset '" + c.preset + "' (expected le2015 or pascanu2013)");
        }
    }

    /** Applies a {@code copy} preset to the options not given. */
    static void copy(CopyCommand c) {
        if (!c.preset.equals("arjovsky2016")) {
            throw Cli.usage(c.spec, "unknown preset '" + c.preset + "' (expected arjovsky2016)");
        }
        set(c.spec, "--model", () -> c.model = Studies.ModelKind.parse("lstm"));
        boolean lstm = c.model.cell() == io.rnn4j.nn.CellType.LSTM;
        set(c.spec, "--T", () -> c.t = 100);
        set(c.spec, "--hidden", () -> c.hidden = lstm ? 40 : 80);
        set(c.spec, "--batch", () -> c.batch = 20);
        set(c.spec, "--optimizer", () -> c.optimizer = "rmsprop");
        set(c.spec, "--lr", () -> c.lr = 0.001);
        set(c.spec, "--alpha", () -> c.training.alpha = 0.9);
        set(c.spec, "--clip", () -> c.clip = Clipping.value(1));
        set(c.spec, "--init", () -> c.init = Init.glorot());
        set(c.spec, "--init-input", () -> c.matrices.input = Init.glorot());
        set(c.spec, "--init-output", () -> c.matrices.output = Init.glorot());
        set(c.spec, "--steps", () -> c.steps = 20_000);
        set(c.spec, "--eval-every", () -> c.every = 50);
        set(c.spec, "--test-sequences", () -> c.testSequences = 10_000);
    }

    private static void set(AddingCommand c, String option, Runnable apply) {
        set(c.spec, option, apply);
    }

    private static void set(picocli.CommandLine.Model.CommandSpec spec, String option, Runnable apply) {
        if (!Cli.given(spec, option)) {
            apply.run();
        }
    }
}

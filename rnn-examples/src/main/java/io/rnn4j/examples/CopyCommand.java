package io.rnn4j.examples;

import io.rnn4j.data.SyntheticTasks;
import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code copy}: the copying-memory problem against the memoryless baseline 10·ln 8/(T+20). */
@Command(name = "copy", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"The copying-memory problem: cross-entropy against the memoryless baseline.", "",
            "10 symbols from 8, T − 1 blanks, a delimiter, 10 blanks; the net must output blanks, then reproduce the "
                + "10 symbols. Cross-entropy (mean per step) at every step. The memoryless baseline is "
                + "10·ln 8/(T+20). Writes copy.csv and copy.png to --out."})
final class CopyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @picocli.CommandLine.Mixin
    TrainingOptions training = new TrainingOptions();
    @picocli.CommandLine.Mixin
    ModelOptions matrices = new ModelOptions();
    @Option(names = "--bidirectional", description = "a forward and a reverse direction in every layer")
    boolean bidirectional;

    @Option(names = "--preset", paramLabel = "NAME", description = Presets.COPY_HELP)
    String preset;
    @Option(names = "--T", paramLabel = "N", description = "delay")
    int t = 50;
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 64;
    @Option(defaultValue = "tanh", names = "--model", paramLabel = "M", converter = Studies.ModelConverter.class,
            description = "tanh | logistic | relu | irnn | prelu | linear | lstm | gru")
    Studies.ModelKind model;
    @Option(names = "--cell", paramLabel = "C", converter = Cli.CellConverter.class,
            description = "elman | lstm | gru: overrides the model's cell (default: the model's)")
    CellType cell;
    @Option(names = "--layers", paramLabel = "L", description = "stacked recurrent layers")
    int layers = 1;
    @Option(defaultValue = "orthogonal", names = "--init", paramLabel = "SPEC", converter = Cli.InitConverter.class,
            description = "recurrent initializer")
    Init init;
    @Option(names = "--optimizer", paramLabel = "NAME", converter = Studies.OptimizerNameConverter.class,
            description = "sgd | momentum | adagrad | rmsprop | adam")
    String optimizer = "rmsprop";
    @Option(names = "--lr", paramLabel = "X", description = "learning rate")
    double lr = 0.001;
    @Option(defaultValue = "global:1", names = "--clip", paramLabel = "MODE", converter = Cli.ClippingConverter.class,
            description = "none | global:THETA | value:C")
    Clipping clip;
    @Option(names = "--steps", paramLabel = "N", description = "training steps")
    int steps = 2000;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per step")
    int batch = 32;
    @Option(names = "--seed", paramLabel = "N", description = "seed")
    long seed = 1;
    @Option(names = "--eval-every", paramLabel = "N", description = "steps between test evaluations")
    int every = 100;
    @Option(names = "--test-sequences", paramLabel = "N", description = "test sequences, drawn once")
    int testSequences = Studies.TEST_SEQUENCES;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path out = Path.of("out/copy");
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    @Override
    public Integer call() throws Exception {
        if (preset != null) {
            Presets.copy(this);
        }
        Cli.atLeast(spec, "--T", t, 1);
        Cli.atLeast(spec, "--hidden", hidden, 1);
        Cli.between(spec, "--layers", layers, 1, Cli.MAX_LAYERS);
        Cli.atLeast(spec, "--steps", steps, 1);
        Cli.atLeast(spec, "--batch", batch, 1);
        Cli.atLeast(spec, "--eval-every", every, 1);
        Cli.atLeast(spec, "--test-sequences", testSequences, 1);
        Studies.ModelKind kind = Studies.modelKind(model, cell);
        OptimizerConfig opt = training.optimizer(spec, Studies.optimizer(spec, optimizer, lr));
        RnnConfig mc = matrices.build(spec, RnnConfig.tokens(SyntheticTasks.COPY_VOCAB, hidden).cell(kind.cell())
                .activation(kind.activation()).recurrentInit(init).layers(layers).bidirectional(bidirectional).seed(seed));
        TrainerConfig tc = training.apply(spec, TrainerConfig.builder().loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .reduction(Reduction.MEAN).optimizer(opt).clipping(clip).nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE))
                .build();
        PrintWriter out = spec.commandLine().getOut();
        Output output = new Output(this.out, out);
        double baseline = SyntheticTasks.copyBaseline(t);
        out.printf("copying memory: T=%d (length %d), H=%d%s, model %s (init: recurrent %s, input %s, output %s), %s,"
                + " %s, clip %s, B=%d, %d steps%n", t, t + 20, hidden, bidirectional ? " bidirectional" : "", kind.name(),
                mc.recurrentInit(), mc.inputInit(), mc.outputInit(), opt, training.describe(), clip, batch, steps);
        if (preset != null) {
            out.printf("preset %s: %s%n", preset, Presets.COPY_DIFFERENCES);
        }
        out.printf("memoryless baseline: %.4f nats per step (exact on every sequence: blanks known, the 10 symbols"
                + " uniform over 8), test set of %d sequences%n", baseline, testSequences);
        List<double[]> rows = new ArrayList<>();
        double loss;
        try (Backend be = Studies.backend(backend);
             RnnModel model = new RnnModel(be, mc);
             Trainer trainer = new Trainer(model, tc);
             Progress bar = new Progress("copy", steps)) {
            SplittableRandom testRng = new SplittableRandom(99_000 + seed);
            Batch[] test = Studies.testSet(testSequences, n -> SyntheticTasks.copy(n, t, testRng));
            SplittableRandom r = new SplittableRandom(seed);
            loss = Studies.evaluate(trainer, test);
            rows.add(new double[] {0, loss});
            for (int s = 1; s <= steps; s++) {
                trainer.step(SyntheticTasks.copy(batch, t, r));
                bar.step();
                if (s % every == 0 || s == steps) {
                    loss = Studies.evaluate(trainer, test);
                    rows.add(new double[] {s, loss});
                    bar.extra(String.format("test CE %.4f", loss));
                    if (s % (every * 5) == 0 || s == steps) {
                        out.printf("  step %6d  test cross-entropy %.4f  (baseline %.4f)%n", s, loss, baseline);
                    }
                }
            }
        }
        double[] xs = rows.stream().mapToDouble(v -> v[0]).toArray();
        double[] ys = rows.stream().mapToDouble(v -> v[1]).toArray();
        output.csv("copy.csv", "step,test_cross_entropy", rows);
        output.plot("copy.png", "Copying memory, T=" + t + ", " + kind.name(), "training step", "test cross-entropy",
                true, List.of(new Output.Series(kind.name(), xs, ys),
                        new Output.Series("memoryless baseline", new double[] {0, steps}, new double[] {baseline, baseline})));
        out.printf("%nfinal test cross-entropy %.4f against the memoryless %.4f: %s%n", loss, baseline,
                Studies.verdict(loss, baseline, "the memoryless baseline"));
        java.util.Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("settings", String.format(java.util.Locale.ROOT, "T=%d (length %d), H=%d%s, model %s (init:"
                + " recurrent %s, input %s, output %s), %s, %s, clip %s, B=%d, %d steps, seed %d", t, t + 20, hidden,
                bidirectional ? " bidirectional" : "", kind.name(), mc.recurrentInit(), mc.inputInit(), mc.outputInit(),
                opt, training.describe(), clip, batch, steps, seed));
        summary.put("preset", preset);
        summary.put("differences", preset == null ? null : Presets.COPY_DIFFERENCES);
        summary.put("T", t);
        summary.put("steps", steps);
        summary.put("model", kind.name());
        summary.put("test_sequences", testSequences);
        summary.put("final_cross_entropy", loss);
        summary.put("baseline", baseline);
        summary.put("verdict", Studies.verdict(loss, baseline, "the memoryless baseline"));
        output.summary(spec, summary);
        out.printf("files: %s%n", output.written());
        return 0;
    }
}

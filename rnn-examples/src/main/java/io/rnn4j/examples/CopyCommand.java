package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.data.Batch;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** {@code copy}: the copying-memory problem against the memoryless baseline 10·ln 8/(T+20). */
final class CopyCommand implements Command {
    static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("T", "50");
        OPTIONS.put("hidden", "64");
        OPTIONS.put("model", "tanh");
        OPTIONS.put("cell", "");
        OPTIONS.put("layers", "1");
        OPTIONS.put("init", "orthogonal");
        OPTIONS.put("optimizer", "rmsprop");
        OPTIONS.put("lr", "0.001");
        OPTIONS.put("clip", "global:1");
        OPTIONS.put("steps", "2000");
        OPTIONS.put("batch", "32");
        OPTIONS.put("seed", "1");
        OPTIONS.put("eval-every", "100");
        OPTIONS.put("out", "out/copy");
        OPTIONS.put("backend", "");
    }

    @Override
    public String name() {
        return "copy";
    }

    @Override
    public String summary() {
        return "the copying-memory problem: cross-entropy against the memoryless baseline";
    }

    @Override
    public String help() {
        return """
                usage: java -jar rnn-examples.jar copy [options]

                The copying-memory problem: 10 symbols from 8, T − 1 blanks, a delimiter, 10 blanks; the net
                must output blanks, then reproduce the 10 symbols. Cross-entropy (mean per step) at every step.
                The memoryless baseline is 10·ln 8/(T+20). Writes copy.csv and copy.png to --out.

                options (default in brackets):
                  --T N              delay [50]
                  --hidden H         hidden units [64]
                  --model M          tanh | logistic | relu | irnn | prelu | linear | lstm | gru [tanh]
                  --cell C           elman | lstm | gru: overrides the model's cell [the model's]
                  --layers L         stacked recurrent layers [1]
                  --init SPEC        recurrent initializer [orthogonal]
                  --optimizer NAME   sgd | momentum | adagrad | rmsprop | adam [rmsprop]
                  --lr X             learning rate [0.001]
                  --clip MODE        none | global:THETA | value:C [global:1]
                  --steps N          training steps [2000]
                  --batch B          sequences per step [32]
                  --seed N           seed [1]
                  --eval-every N     steps between test evaluations [100]
                  --out DIR          output folder [out/copy]
                  --backend NAME     force a backend
                """;
    }

    @Override
    public int run(List<String> argv, PrintStream out) throws Exception {
        Args a = new Args(argv, OPTIONS);
        int t = a.integer("T", 1);
        int hidden = a.integer("hidden", 1);
        Studies.ModelKind kind = Studies.modelKind(a);
        Init init = Studies.recurrentInit(a, kind);
        Clipping clip = a.parse("clip", Clipping::parse);
        OptimizerConfig opt = Studies.optimizer(a);
        int steps = a.integer("steps", 1);
        int batch = a.integer("batch", 1);
        int every = a.integer("eval-every", 1);
        long seed = a.longValue("seed");
        Output output = new Output(Path.of(a.get("out")), out);
        double baseline = Tasks.copyBaseline(t);
        out.printf("copying memory: T=%d (length %d), H=%d, model %s (init %s), %s, clip %s, B=%d, %d steps%n", t,
                t + 20, hidden, kind.name(), init, opt, clip, batch, steps);
        out.printf("memoryless baseline: %.4f nats per step%n", baseline);
        List<double[]> rows = new ArrayList<>();
        double loss;
        try (Backend backend = Studies.backend(a.get("backend"));
             RnnModel model = new RnnModel(backend, RnnConfig.tokens(Tasks.COPY_VOCAB, hidden).cell(kind.cell()).activation(kind.activation())
                     .recurrentInit(init).layers(a.integer("layers", 1)).seed(seed).build());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.SOFTMAX_CROSS_ENTROPY)
                     .reduction(Reduction.MEAN).optimizer(opt).clipping(clip)
                     .nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build());
             Progress bar = new Progress("copy", steps)) {
            SplittableRandom testRng = new SplittableRandom(99_000 + seed);
            Batch[] test = {Tasks.copy(batch, t, testRng), Tasks.copy(batch, t, testRng), Tasks.copy(batch, t, testRng)};
            SplittableRandom r = new SplittableRandom(seed);
            loss = Studies.evaluate(trainer, test);
            rows.add(new double[] {0, loss});
            for (int s = 1; s <= steps; s++) {
                trainer.step(Tasks.copy(batch, t, r));
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
                loss < 0.5 * baseline ? "memory beyond the baseline" : "no better than memoryless");
        out.printf("files: %s%n", output.written());
        return 0;
    }
}

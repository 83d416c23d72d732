package io.rnn4j.examples;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Trainer;
import java.util.Locale;

/** Shared pieces of the studies: model kinds, backends, evaluation. */
final class Studies {
    private Studies() {
    }

    /** A named recurrent model of the studies: cell, activation and recurrent initializer. */
    record ModelKind(String name, CellType cell, Activation activation, Init recurrent) {
        static ModelKind parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "tanh" -> elman("tanh", Activation.TANH, Init.uniformInvSqrtHidden());
                case "logistic", "sigmoid" -> elman("logistic", Activation.LOGISTIC, Init.uniformInvSqrtHidden());
                case "relu" -> elman("relu", Activation.RELU, Init.uniformInvSqrtHidden());
                case "irnn" -> elman("irnn", Activation.RELU, Init.identity(1.0));
                case "prelu" -> elman("prelu", Activation.PRELU, Init.uniformInvSqrtHidden());
                case "linear", "identity" -> elman("linear", Activation.IDENTITY, Init.uniformInvSqrtHidden());
                case "lstm" -> new ModelKind("lstm", CellType.LSTM, Activation.TANH, Init.uniformInvSqrtHidden());
                case "gru" -> new ModelKind("gru", CellType.GRU, Activation.TANH, Init.uniformInvSqrtHidden());
                default -> throw new IllegalArgumentException("unknown model '" + s
                        + "' (expected tanh, logistic, relu, irnn, prelu, linear, lstm or gru)");
            };
        }

        private static ModelKind elman(String name, Activation f, Init u) {
            return new ModelKind(name, CellType.ELMAN, f, u);
        }

        /** The same model with another cell ({@code --cell}): a gated cell keeps only the initializer. */
        ModelKind withCell(CellType c) {
            if (c == cell) {
                return this;
            }
            return c == CellType.ELMAN ? new ModelKind(name, c, activation, recurrent)
                    : new ModelKind(c.name().toLowerCase(Locale.ROOT), c, Activation.TANH, recurrent);
        }
    }

    /** {@code --model}, with {@code --cell} (when given, else null) overriding its cell. */
    static ModelKind modelKind(ModelKind model, CellType cell) {
        return cell == null ? model : model.withCell(cell);
    }

    /** {@code --init} when given (else null), otherwise the model's own recurrent initializer. */
    static Init recurrentInit(Init init, ModelKind kind) {
        return init == null ? kind.recurrent() : init;
    }

    /** Converts {@code --model}. */
    static final class ModelConverter implements picocli.CommandLine.ITypeConverter<ModelKind> {
        @Override
        public ModelKind convert(String s) {
            return Cli.parse(() -> ModelKind.parse(s));
        }
    }

    /** Converts {@code --optimizer} (a name; the learning rate comes from {@code --lr}). */
    static final class OptimizerNameConverter implements picocli.CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String s) {
            Cli.parse(() -> OptimizerConfig.parse(s, 1.0));
            return s;
        }
    }

    /** {@code --optimizer} at learning rate {@code --lr} (checked positive and finite). */
    static OptimizerConfig optimizer(picocli.CommandLine.Model.CommandSpec spec, String name, double lr) {
        return OptimizerConfig.parse(name, Cli.positive(spec, "--lr", lr));
    }

    /** What ran the last study backend opened in this process (for {@code summary.json}). */
    private static volatile String lastBackend = "no backend opened";

    static Backend backend(String name) {
        Backend b = name == null || name.isEmpty() ? Backends.select() : Backends.select(name);
        lastBackend = b.name() + ": " + b.description();
        return b;
    }

    /**
     * How a run was made, for {@code summary.json}: the command and its arguments as given, the backend,
     * the kernel path (vector when the Vector API module is in this JVM and not switched off, else
     * scalar), the kernel choice ({@code rnn4j.cpu.kernels}: {@code auto} decides by timing, so only a
     * fixed choice gives the same bits in every process), OpenBLAS's pin, the CPU's vector extensions,
     * the JDK and the wall time.
     */
    static java.util.Map<String, Object> provenance(picocli.CommandLine.Model.CommandSpec spec, double seconds) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("command", spec.name());
        m.put("arguments", spec.commandLine().getParseResult() == null ? java.util.List.of()
                : spec.commandLine().getParseResult().originalArgs());
        m.put("backend", lastBackend);
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !"false".equalsIgnoreCase(System.getProperty("rnn4j.cpu.vector"));
        m.put("kernel_path", vector ? "vector" : "scalar");
        m.put("kernel_choice", System.getProperty("rnn4j.cpu.kernels", "auto"));
        String pin = System.getenv("OPENBLAS_CORETYPE");
        m.put("openblas_coretype", pin == null || pin.isBlank() ? null : pin);
        m.put("cpu_vector_flags", io.rnn4j.internal.CpuFlags.vector());
        m.put("processors", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("date", java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
        m.put("seconds", Math.round(seconds * 10) / 10.0);
        return m;
    }

    /** A dense-input model for the adding problem (2 inputs, 1 output). */
    static RnnConfig addingModel(int hidden, ModelKind kind, Init recurrent, long seed) {
        Activation f = kind.activation();
        Init small = f == Activation.RELU && recurrent.kind() == Init.Kind.IDENTITY ? Init.normal(0.001) : Init.glorot();
        return RnnConfig.dense(2, hidden, 1).cell(kind.cell()).activation(f).recurrentInit(recurrent).inputInit(small)
                .outputInit(Init.glorot()).seed(seed).build();
    }

    /** Test sequences a study evaluates on by default (enough that the test set's own baseline is close to its expectation). */
    static final int TEST_SEQUENCES = 4096;
    /** Sequences per test batch (a test set is evaluated in batches of at most this many). */
    private static final int TEST_BATCH = 512;

    /**
     * A test set of {@code sequences} sequences drawn once, in batches of at most 512.
     *
     * @param make draws a batch of the given number of sequences
     */
    static Batch[] testSet(int sequences, java.util.function.IntFunction<Batch> make) {
        int n = (sequences + TEST_BATCH - 1) / TEST_BATCH;
        Batch[] out = new Batch[n];
        for (int i = 0; i < n; i++) {
            out[i] = make.apply(Math.min(TEST_BATCH, sequences - i * TEST_BATCH));
        }
        return out;
    }

    /** Mean of the (mean-reduced) loss over test batches, weighted by their sequences. */
    static double evaluate(Trainer trainer, Batch[] test) {
        double s = 0;
        long n = 0;
        for (Batch b : test) {
            s += trainer.evaluate(b) * b.batchSize();
            n += b.batchSize();
        }
        return s / n;
    }

    /**
     * The test set's own constant predictor for a last-step regression target: the MSE of predicting
     * the set's mean target for every sequence (its variance). The score a model must beat.
     */
    static double constantPredictorMse(Batch[] test) {
        double sq = 0;
        long n = 0;
        for (Batch b : test) {
            for (float y : b.targets()) {
                sq += (double) y * y;
                n++;
            }
        }
        double mean = meanTarget(test);
        return sq / n - mean * mean;
    }

    /** The mean last-step target of a test set: what its constant predictor predicts. */
    static double meanTarget(Batch[] test) {
        double sum = 0;
        long n = 0;
        for (Batch b : test) {
            for (float y : b.targets()) {
                sum += y;
                n++;
            }
        }
        return sum / n;
    }

    /**
     * A study's verdict on a test loss against its baseline (the same test set's): solved below 5% of
     * it, learning below 90%, else no better than the baseline. The ratio is printed with it.
     */
    static String verdict(double loss, double baseline, String baselineName) {
        double r = loss / baseline;
        String what = r < 0.05 ? "solved" : r < 0.9 ? "learning: below " + baselineName
                : "no better than " + baselineName;
        return String.format(java.util.Locale.ROOT, "%s (%.3f× %s)", what, r, baselineName);
    }
}

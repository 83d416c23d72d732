package io.rnn4j.bench;

import io.rnn4j.backend.BackendProvider;
import io.rnn4j.backend.Backends;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The standard suite (the jar's default): the training step of every standard configuration with
 * each clipping mode on every available backend, and the dominant kernels, run by JMH, then one
 * table.
 */
@Command(name = "suite", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The standard JMH suite on every available backend, one table (the default command).", "",
            "Training-step throughput (tokens/s with JMH's 99.9% error), model GFLOP/s (6·H·(H+V)·B·T FLOPs per step: "
                + "forward and backward of the recurrent and output products), and the clipping overhead "
                + "(global-norm and value clipping against none, as a percentage of step time); then the LSTM and GRU "
                + "steps at H 512, B 64, T 100, and the dominant kernels. About 4 minutes on 2 cores."})
final class SuiteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Options options = new Options();

    /** The suite's options (also the jar's top-level options). */
    static final class Options {
        @Option(names = "--configs", paramLabel = "LIST", description = "comma-separated: C1,C2,C3,C5,C6 (default: all)")
        String configs = String.join(",", Configs.STANDARD.keySet());
        @Option(names = "--backends", paramLabel = "LIST",
                description = "comma-separated backend names (default: every available one)")
        String backends = "";
        @Option(names = "--quick", description = "1 warm-up and 2 measured iterations of 0.5 s (a smoke run)")
        boolean quick;
        @Option(names = "--no-kernels", description = "skip the kernel benchmarks")
        boolean noKernels;
        @Option(names = "--verbose", description = "show JMH's own output")
        boolean verbose;
    }

    @Override
    public Integer call() throws Exception {
        return run(spec, options, spec.commandLine().getOut());
    }

    static int run(CommandSpec spec, Options o, PrintWriter out) throws RunnerException {
        String configs = o.configs;
        String backends = o.backends;
        boolean quick = o.quick;
        boolean noKernels = o.noKernels;
        boolean verbose = o.verbose;
        String[] cfgs = configs.split(",");
        for (String c : cfgs) {
            if (!Configs.STANDARD.containsKey(c)) {
                throw new ParameterException(spec.commandLine(), "unknown configuration '" + c + "' (expected "
                        + Configs.STANDARD.keySet() + ")");
            }
        }
        List<String> names = new ArrayList<>();
        if (backends.isEmpty()) {
            for (BackendProvider p : Backends.providers()) {
                if (p.availability().available()) {
                    names.add(p.name());
                } else {
                    out.printf("skipping backend %s: %s%n", p.name(), p.availability());
                }
            }
        } else {
            names.addAll(List.of(backends.split(",")));
        }
        ChainedOptionsBuilder ob = new OptionsBuilder()
                .include(TrainingStepBenchmark.class.getSimpleName())
                .param("config", cfgs)
                .param("backend", names.toArray(new String[0]))
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
        if (quick) {
            ob.warmupIterations(1).measurementIterations(2).warmupTime(TimeValue.milliseconds(500))
                    .measurementTime(TimeValue.milliseconds(500));
        }
        out.printf("running the training-step suite (%s) on %s ...%n", configs, names);
        Collection<RunResult> steps = new Runner(ob.build()).run();
        out.println();
        out.print(stepTable(steps));
        ChainedOptionsBuilder gb = new OptionsBuilder()
                .include(GatedStepBenchmark.class.getSimpleName())
                .param("backend", names.toArray(new String[0]))
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
        if (quick) {
            gb.warmupIterations(1).measurementIterations(2).warmupTime(TimeValue.milliseconds(500))
                    .measurementTime(TimeValue.milliseconds(500));
        }
        out.printf("%nrunning the LSTM and GRU training steps ...%n");
        Collection<RunResult> gated = new Runner(gb.build()).run();
        out.println();
        out.print(gatedTable(gated));
        if (!noKernels) {
            ChainedOptionsBuilder kb = new OptionsBuilder()
                    .include(KernelBenchmark.class.getSimpleName())
                    .param("backend", names.toArray(new String[0]))
                    .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
            if (quick) {
                kb.warmupIterations(1).measurementIterations(2).warmupTime(TimeValue.milliseconds(500))
                        .measurementTime(TimeValue.milliseconds(500));
            }
            out.printf("%nrunning the kernel benchmarks ...%n");
            Collection<RunResult> kernels = new Runner(kb.build()).run();
            out.println();
            out.print(kernelTable(kernels));
        }
        return 0;
    }

    static String stepTable(Collection<RunResult> results) {
        // backend/config -> clip -> {score, error}
        Map<String, Map<String, double[]>> by = new LinkedHashMap<>();
        for (RunResult r : results) {
            var params = r.getParams();
            String key = params.getParam("backend") + "/" + params.getParam("config");
            by.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(params.getParam("clip"),
                    new double[] {r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()});
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-8s %-4s %-20s %22s %9s %12s %12s%n", "backend", "cfg", "V/H/B/T",
                "tokens/s (global:5)", "GFLOP/s", "clip global", "clip value"));
        for (var e : by.entrySet()) {
            String[] k = e.getKey().split("/");
            StepConfig c = Configs.parse(k[1], TrainingStepBenchmark.clipping("none"));
            double[] none = e.getValue().get("none");
            double[] global = e.getValue().get("global");
            double[] value = e.getValue().get("value");
            double[] main = global != null ? global : none;
            double tok = c.tokens();
            sb.append(String.format(Locale.ROOT, "%-8s %-4s %-20s %,13.0f ± %,6.0f %9.1f %12s %12s%n", k[0], k[1],
                    c.vocab() + "/" + c.hidden() + "/" + c.batch() + "/" + c.steps(), main[0] * tok, main[1] * tok,
                    main[0] * c.flopsPerStep() / 1e9, overhead(none, global), overhead(none, value)));
        }
        sb.append("clip overhead: (step time with clipping − without) / without; the pre-clip norm is computed in\n"
                + "every mode (it is reported each step), so this is the cost of applying the clip; ± is JMH's 99.9% error.\n");
        return sb.toString();
    }

    private static String overhead(double[] none, double[] with) {
        if (none == null || with == null) {
            return "-";
        }
        double pct = (none[0] / with[0] - 1) * 100;
        // Error of the ratio from the two relative errors.
        double err = Math.hypot(none[1] / none[0], with[1] / with[0]) * 100;
        return String.format(Locale.ROOT, "%+.1f±%.1f%%", pct, err);
    }

    static String gatedTable(Collection<RunResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-8s %-5s %-20s %22s %9s%n", "backend", "cell", "V/H/B/T",
                "tokens/s (global:5)", "GFLOP/s"));
        for (RunResult r : results) {
            var p = r.getParams();
            StepConfig c = Configs.parse(p.getParam("config"), TrainingStepBenchmark.clipping("global"));
            StepConfig g = c.withCell(io.rnn4j.nn.CellType.parse(p.getParam("cell")));
            double steps = r.getPrimaryResult().getScore();
            sb.append(String.format(Locale.ROOT, "%-8s %-5s %-20s %,13.0f ± %,6.0f %9.1f%n", p.getParam("backend"),
                    p.getParam("cell"), c.vocab() + "/" + c.hidden() + "/" + c.batch() + "/" + c.steps(),
                    steps * g.tokens(), r.getPrimaryResult().getScoreError() * g.tokens(),
                    steps * g.flopsPerStep() / 1e9));
        }
        sb.append("GFLOP/s: 6·H·(G·H+V)·B·T per step, G = 4 (LSTM) or 3 (GRU).\n");
        return sb.toString();
    }

    static String kernelTable(Collection<RunResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-8s %-4s %-22s %16s%n", "backend", "cfg", "kernel", "µs per call"));
        for (RunResult r : results) {
            var p = r.getParams();
            String label = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
            sb.append(String.format(Locale.ROOT, "%-8s %-4s %-22s %9.1f ± %5.1f%n", p.getParam("backend"),
                    p.getParam("config"), label, r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()));
        }
        sb.append("recurrentStep: one step (B rows) of S_t += h_{t−1}Uᵀ, h_t = tanh(S_t); backwardHadamard and\n"
                + "softmaxCrossEntropy: all T·B rows; clipNorm: Σg² over the whole gradient arena plus the scale.\n");
        return sb.toString();
    }
}

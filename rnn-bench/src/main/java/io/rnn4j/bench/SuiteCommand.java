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
            "Training-step throughput with global-norm clipping (tokens/s with JMH's 99.9% error over 10 one-second "
                + "iterations after 3 of warm-up), model GFLOP/s (6·H·(H+V)·B·T FLOPs per step: forward and backward of "
                + "the recurrent and output products); the LSTM and GRU steps at H 512, B 64, T 100; the clipping "
                + "overhead as a paired difference (three identical models, no clipping, global norm and value, stepped "
                + "in turn in one JVM); and the dominant kernels. About 5 minutes on 2 cores."})
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
        @Option(names = "--quick", description = "1 warm-up and 2 measured iterations of 0.5 s, a short paired "
                + "clipping run (a smoke run)")
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
        out.println(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                ? "CPU fast path: on (the Vector API module is loaded)"
                : "CPU fast path: off (no Vector API module: the scalar kernels and OpenBLAS; the jar relaunches itself"
                        + " with the module unless -Drnn4j.relaunch=false)");
        String[] backendNames = names.toArray(new String[0]);
        ChainedOptionsBuilder ob = options(TrainingStepBenchmark.class, backendNames, verbose, quick)
                .param("config", cfgs).param("clip", "global");
        out.printf("running the training-step suite (%s) on %s ...%n", configs, names);
        Collection<RunResult> steps = new Runner(ob.build()).run();
        out.println();
        out.print(stepTable(steps));
        out.printf("%nrunning the LSTM and GRU training steps ...%n");
        Collection<RunResult> gated = new Runner(options(GatedStepBenchmark.class, backendNames, verbose, quick)
                .build()).run();
        out.println();
        out.print(gatedTable(gated));
        out.printf("%nthe clipping overhead, paired (no clipping, global norm at 5, value at 5, stepped in turn) ...%n");
        out.printf(Locale.ROOT, "%-8s %-4s %8s %22s %22s%n", "backend", "cfg", "rounds", "global:5 [95%]",
                "value:5 [95%]");
        for (String name : names) {
            io.rnn4j.backend.Backend be = StepCommand.openBackend(name, 0);
            try {
                for (String c : cfgs) {
                    out.printf("%-8s %s%n", name, ClippingOverhead.measure(be, c, quick ? 0.3 : 2, quick ? 5 : rounds(c))
                            .row());
                    out.flush();
                }
            } finally {
                be.close();
            }
        }
        out.println("overhead: the median over rounds of (step with clipping − step without) / the median step"
                + " without; [95%] is the median's distribution-free interval.");
        if (!noKernels) {
            out.printf("%nrunning the kernel benchmarks ...%n");
            Collection<RunResult> kernels = new Runner(options(KernelBenchmark.class, backendNames, verbose, quick)
                    .measurementIterations(quick ? 2 : 5).build()).run();
            out.println();
            out.print(kernelTable(kernels));
        }
        return 0;
    }

    /**
     * JMH's options for one benchmark class: 3 warm-up iterations of a second (the JIT compiles the Vector
     * API kernels in the first seconds) and 10 measured ones (JMH's 99.9% error with 9 degrees of freedom
     * is 1.5 standard deviations of an iteration, not the 8.6 of the annotations' 3), one fork, whose JVM
     * logs only warnings (the backend's choice is printed once, above).
     */
    private static ChainedOptionsBuilder options(Class<?> benchmark, String[] backends, boolean verbose,
                                                 boolean quick) {
        ChainedOptionsBuilder b = new OptionsBuilder().include(benchmark.getSimpleName() + "\\.")
                .param("backend", backends)
                .jvmArgsAppend("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
                .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
        if (quick) {
            return b.warmupIterations(1).measurementIterations(2).warmupTime(TimeValue.milliseconds(500))
                    .measurementTime(TimeValue.milliseconds(500));
        }
        return b.warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(10)
                .measurementTime(TimeValue.seconds(1));
    }

    /** Paired rounds per configuration: about 6 s of steps (three per round). */
    private static int rounds(String config) {
        StepConfig c = Configs.parse(config, TrainingStepBenchmark.clipping("none"));
        double stepSeconds = Math.max(1e-4, c.flopsPerStep() / 150e9);  // a rough step time on 2 cores
        return (int) Math.max(21, Math.min(401, 6 / (3 * stepSeconds)));
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
        sb.append(String.format(Locale.ROOT, "%-8s %-4s %-20s %22s %9s%n", "backend", "cfg", "V/H/B/T",
                "tokens/s (global:5)", "GFLOP/s"));
        for (var e : by.entrySet()) {
            String[] k = e.getKey().split("/");
            StepConfig c = Configs.parse(k[1], TrainingStepBenchmark.clipping("none"));
            for (double[] main : e.getValue().values()) {
                double tok = c.tokens();
                sb.append(String.format(Locale.ROOT, "%-8s %-4s %-20s %,13.0f ± %,6.0f %9.1f%n", k[0], k[1],
                        c.vocab() + "/" + c.hidden() + "/" + c.batch() + "/" + c.steps(), main[0] * tok, main[1] * tok,
                        main[0] * c.flopsPerStep() / 1e9));
            }
        }
        sb.append("± is JMH's 99.9% error over the measured iterations.\n");
        return sb.toString();
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
                + "softmaxCrossEntropy: all T·B rows, their input restored first (and timed); clipNorm: Σg² over the whole\n"
                + "gradient arena plus the scale.\n");
        return sb.toString();
    }
}

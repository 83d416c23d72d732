package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import io.rnn4j.train.Clipping;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code step}: measures one configuration's full training step and prints the median tokens/s
 * with its spread, as text or as one JSON object.
 */
@Command(name = "step", showDefaultValues = true, sortOptions = false,
        description = {"Time one configuration's full training step (tokens/s, median and spread).", "",
            "Times full training steps (forward, BPTT, clipping, SGD update) of a token-input RNN with softmax "
                + "cross-entropy (summed) on random tokens, after warm-up, and reports the median."})
final class StepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Not the standard help mixin: its {@code -V} (version) would take the vocabulary's option. */
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;
    @Option(names = "--backend", paramLabel = "NAME", description = "cpu, or another installed backend (default: the "
            + "best available)")
    String backendName = "";
    @Option(names = "-V", paramLabel = "N", description = "vocabulary")
    int v = 65;
    @Option(names = "-H", paramLabel = "N", description = "hidden units")
    int h = 128;
    @Option(names = "-B", paramLabel = "N", description = "batch size")
    int b = 50;
    @Option(names = "-T", paramLabel = "N", description = "steps per sequence")
    int t = 50;
    @Option(names = "--clip", paramLabel = "MODE", description = "none | global:THETA | value:C")
    String clip = "global:5";
    @Option(names = "--activation", paramLabel = "F", description = "tanh | logistic | relu | prelu | identity")
    String activation = "tanh";
    @Option(names = "--cell", paramLabel = "C", description = "elman | lstm | gru")
    String cell = "elman";
    @Option(names = "--layers", paramLabel = "L", description = "stacked recurrent layers")
    int layers = 1;
    @Option(names = "--no-bias", description = "no hidden and output biases (as the PyTorch comparison model)")
    boolean noBias;
    @Option(names = "--threads", paramLabel = "N", description = "CPU backend: threads, 0 = all processors")
    int threads = 0;
    @Option(names = "--warmup", paramLabel = "N", description = "untimed steps first")
    int warmup = 20;
    @Option(names = "--warmup-seconds", paramLabel = "S",
            description = "keep warming up until S seconds have passed too (default 0; the JIT compiles the"
                    + " Vector API kernels during the first seconds)")
    double warmupSeconds = 0;
    @Option(names = "--jit-quiet", paramLabel = "S",
            description = "then keep warming up until the JIT compiler has compiled nothing for S seconds, for at"
                    + " most 30 s more (default 1; 0 = off): the steady state a long training run sees")
    double jitQuietSeconds = 1;
    @Option(names = "--repeats", paramLabel = "N", description = "timed steps")
    int repeats = 50;
    @Option(names = "--seed", paramLabel = "N", description = "seed of weights and data")
    long seed = 1;
    @Option(names = "--format", paramLabel = "FMT", description = "text | json")
    String format = "text";
    @Option(names = "--profile", description = "also time every backend kernel and print where a step's time goes")
    boolean profile;

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!format.equals("text") && !format.equals("json")) {
            throw usage("--format must be text or json, got '" + format + "'");
        }
        if (repeats < 1 || warmup < 0 || threads < 0 || !(warmupSeconds >= 0) || !(jitQuietSeconds >= 0)) {
            throw usage("--repeats must be >= 1, --warmup, --warmup-seconds, --jit-quiet and --threads >= 0");
        }
        StepConfig cfg;
        try {
            cfg = new StepConfig(v, h, b, t, Activation.parse(activation), Clipping.parse(clip), !noBias,
                    io.rnn4j.nn.CellType.parse(cell), layers);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        try (Backend backend = openBackend(backendName, threads); StepTimer timer = new StepTimer(backend, cfg, seed)) {
            long warm0 = System.nanoTime();
            timer.measure(warmup, (long) (warmupSeconds * 1e9), 1);
            if (jitQuietSeconds > 0) {
                timer.warmUntilJitQuiet((long) (jitQuietSeconds * 1e9), 30_000_000_000L);
            }
            double warmS = (System.nanoTime() - warm0) / 1e9;
            long jit0 = StepTimer.jitMillis();
            long ops0 = backend.operationsQueued();
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = mx.getCurrentThreadCpuTime();
            long heap0 = allocatedBytes(mx);
            long[] ns = timer.measure(0, repeats);
            long heap1 = allocatedBytes(mx);
            long jitMs = jit0 < 0 ? -1 : StepTimer.jitMillis() - jit0;
            double hostMs = (mx.getCurrentThreadCpuTime() - cpu0) / 1e6 / repeats;
            double opsPerStep = ops0 < 0 ? -1 : (backend.operationsQueued() - ops0) / (double) repeats;
            double heapPerStep = heap0 < 0 || heap1 < 0 ? -1 : (heap1 - heap0) / (double) repeats;
            Stats s = Stats.of(ns, cfg, opsPerStep, hostMs, heapPerStep);
            if (format.equals("json")) {
                out.println(json(backend, cfg, s, threads, warmup, repeats, warmS, jitMs));
            } else {
                out.printf(Locale.ROOT, "%s on %s%n", cfg.label(), backend.description());
                out.printf(Locale.ROOT, "  step time   median %.3f ms (p10 %.3f, p90 %.3f, over %d steps after %.1f s of"
                        + " warm-up%s)%n", s.medianMs(), s.p10Ms(), s.p90Ms(), repeats, warmS, jitMs < 0 ? ""
                        : String.format(Locale.ROOT, "; the JIT compiled for %d ms while they were timed", jitMs));
                out.printf(Locale.ROOT, "  throughput  %,.0f tokens/s (p10-p90 %,.0f-%,.0f)%n", s.tokensPerS(),
                        s.tokensPerSSlow(), s.tokensPerSFast());
                out.printf(Locale.ROOT, "  model       %.1f GFLOP/s (6·H·(G·H·(2L−1)+V)·B·T = %.3f GFLOP per step)%n",
                        s.gflops(), cfg.flopsPerStep() / 1e9);
                out.printf(Locale.ROOT, "  host        %.3f ms CPU time of the calling thread per step%s%n", s.hostMs(),
                        s.opsPerStep() < 0 ? "" : String.format(Locale.ROOT, ", %.1f device operations queued per step"
                                + " (launches, library calls, copies)", s.opsPerStep()));
                if (s.heapBytes() >= 0) {
                    out.printf(Locale.ROOT, "  heap        %,.0f bytes allocated per step by the calling thread%s%n",
                            s.heapBytes(), s.heapBytes() > 1024 ? " (a step's own objects are about 100 bytes; on"
                                    + " the Vector API path more usually means the JIT left some of it unintrinsified:"
                                    + " docs/PERFORMANCE.md)" : "");
                }
            }
        }
        if (profile) {
            try (Backend inner = openBackend(backendName, threads)) {
                ProfilingBackend pb = new ProfilingBackend(inner);
                try (StepTimer timer = new StepTimer(pb, cfg, seed)) {
                    timer.measure(warmup, 1);
                    pb.reset();
                    long ops0 = inner.operationsQueued();
                    timer.measure(0, repeats);
                    out.printf(Locale.ROOT, "%nprofile (each kernel timed on its own, mean over %d steps):%n", repeats);
                    out.print(pb.report(repeats));
                    if (ops0 >= 0) {
                        out.printf(Locale.ROOT, "  %.1f device operations queued per step (uncaptured: the profile"
                                + " waits after every call)%n", (inner.operationsQueued() - ops0) / (double) repeats);
                    }
                    java.util.Map<String, String> kernels = CpuBackend.kernelDecisions();
                    if (inner instanceof CpuBackend && !kernels.isEmpty()) {
                        out.printf(Locale.ROOT, "%nkernels chosen by measurement on this machine (one thread's part of"
                                + " each product):%n");
                        kernels.forEach((k, v) -> out.printf(Locale.ROOT, "  %-36s %s%n", k, v));
                    }
                }
            }
        }
        return 0;
    }

    static Backend openBackend(String name, int threads) {
        if (name.isEmpty() && Backends.forcedName() == null) {
            return threads > 0 && "cpu".equals(Backends.selectProvider(null, Backends.providers()).name())
                    ? new CpuBackend(CpuBackendConfig.defaults().withThreads(threads)) : Backends.select();
        }
        String n = name.isEmpty() ? Backends.forcedName() : name;
        if (n.equalsIgnoreCase("cpu")) {
            return new CpuBackend(CpuBackendConfig.defaults().withThreads(threads));
        }
        return Backends.select(n);
    }

    /** The calling thread's heap allocation so far (HotSpot's counter), or −1 where the JVM has none. */
    private static long allocatedBytes(java.lang.management.ThreadMXBean mx) {
        if (mx instanceof com.sun.management.ThreadMXBean hs && hs.isThreadAllocatedMemorySupported()) {
            if (!hs.isThreadAllocatedMemoryEnabled()) {
                hs.setThreadAllocatedMemoryEnabled(true);
            }
            return hs.getThreadAllocatedBytes(Thread.currentThread().getId());
        }
        return -1;
    }

    /** Step-time statistics; {@code heapBytes} per step on the calling thread, −1 where unknown. */
    record Stats(double medianMs, double p10Ms, double p90Ms, double tokensPerS, double tokensPerSSlow,
                 double tokensPerSFast, double gflops, double opsPerStep, double hostMs, double heapBytes) {
        static Stats of(long[] sorted, StepConfig cfg, double opsPerStep, double hostMs, double heapBytes) {
            double med = percentile(sorted, 0.5);
            double p10 = percentile(sorted, 0.1);
            double p90 = percentile(sorted, 0.9);
            double tok = cfg.tokens();
            return new Stats(med / 1e6, p10 / 1e6, p90 / 1e6, tok * 1e9 / med, tok * 1e9 / p90, tok * 1e9 / p10,
                    cfg.flopsPerStep() / med, opsPerStep, hostMs, heapBytes);
        }

        static double percentile(long[] sorted, double q) {
            double pos = q * (sorted.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = (int) Math.ceil(pos);
            return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
        }
    }

    static String json(Backend backend, StepConfig c, Stats s, int threads, int warmup, int repeats, double warmS,
                       long jitMs) {
        return String.format(Locale.ROOT,
                "{\"backend\":\"%s\",\"backend_description\":\"%s\",\"config\":{\"V\":%d,\"H\":%d,\"B\":%d,\"T\":%d,"
                        + "\"cell\":\"%s\",\"layers\":%d,\"activation\":\"%s\",\"clip\":\"%s\",\"bias\":%s,\"threads\":%d},"
                        + "\"warmup\":%d,\"warmup_s\":%.2f,\"jit_ms_timed\":%d,\"repeats\":%d,"
                        + "\"tokens_per_s\":%.1f,\"tokens_per_s_p10\":%.1f,\"tokens_per_s_p90\":%.1f,"
                        + "\"step_ms_median\":%.4f,\"step_ms_p10\":%.4f,\"step_ms_p90\":%.4f,\"model_gflops\":%.2f,"
                        + "\"ops_per_step\":%.1f,\"host_cpu_ms_per_step\":%.4f,\"heap_bytes_per_step\":%.0f}",
                backend.name(), backend.description().replace("\"", "'"), c.vocab(), c.hidden(), c.batch(), c.steps(),
                c.cell().name().toLowerCase(Locale.ROOT), c.layers(), c.activation().id(), c.clipping(), c.biases(), threads,
                warmup, warmS, jitMs, repeats, s.tokensPerS(),
                s.tokensPerSSlow(), s.tokensPerSFast(), s.medianMs(), s.p10Ms(), s.p90Ms(), s.gflops(), s.opsPerStep(),
                s.hostMs(), s.heapBytes());
    }
}

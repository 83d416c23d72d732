package io.rnn4j.bench;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import io.rnn4j.train.Clipping;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code step}: measures one configuration's full training step and prints the median tokens/s
 * with its spread, as text or as one JSON object.
 */
final class StepCommand {
    static final String HELP = """
            usage: java -jar rnn-bench.jar step [options]

            Times full training steps (forward, BPTT, clipping, SGD update) of a token-input Elman RNN
            with softmax cross-entropy (summed) on random tokens, after warm-up, and reports the median.

            options (default in brackets):
              --backend NAME       cpu, or another installed backend [best available]
              -V N                 vocabulary [65]
              -H N                 hidden units [128]
              -B N                 batch size [50]
              -T N                 steps per sequence [50]
              --clip MODE          none | global:THETA | value:C [global:5]
              --activation F       tanh | logistic | relu | prelu | identity [tanh]
              --cell C             elman | lstm | gru [elman]
              --layers L           stacked recurrent layers [1]
              --no-bias            no hidden and output biases (as the PyTorch comparison model)
              --threads N          CPU backend: OpenBLAS threads, 0 = all processors [0]
              --warmup N           untimed steps first [20]
              --repeats N          timed steps [50]
              --seed N             seed of weights and data [1]
              --format text|json   output format [text]
              --profile            also time every backend kernel and print where a step's time goes
            """;

    private StepCommand() {
    }

    static int run(List<String> argv, PrintStream out) {
        Opts o = new Opts(argv);
        int v = o.integer("-V", 65);
        int h = o.integer("-H", 128);
        int b = o.integer("-B", 50);
        int t = o.integer("-T", 50);
        int threads = o.integer("--threads", 0);
        int warmup = o.integer("--warmup", 20);
        int repeats = o.integer("--repeats", 50);
        long seed = o.integer("--seed", 1);
        boolean bias = !o.flag("--no-bias");
        boolean profile = o.flag("--profile");
        String format = o.string("--format", "text");
        if (!format.equals("text") && !format.equals("json")) {
            throw new UsageException("--format must be text or json, got '" + format + "'");
        }
        Clipping clip = o.parse("--clip", "global:5", Clipping::parse);
        Activation act = o.parse("--activation", "tanh", Activation::parse);
        io.rnn4j.nn.CellType cell = o.parse("--cell", "elman", io.rnn4j.nn.CellType::parse);
        int layers = o.integer("--layers", 1);
        String backendName = o.string("--backend", "");
        o.done();
        if (repeats < 1 || warmup < 0 || threads < 0) {
            throw new UsageException("--repeats must be >= 1, --warmup and --threads >= 0");
        }
        StepConfig cfg;
        try {
            cfg = new StepConfig(v, h, b, t, act, clip, bias, cell, layers);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (Backend backend = openBackend(backendName, threads); StepTimer timer = new StepTimer(backend, cfg, seed)) {
            long[] ns = timer.measure(warmup, repeats);
            Stats s = Stats.of(ns, cfg);
            if (format.equals("json")) {
                out.println(json(backend, cfg, s, threads, warmup, repeats));
            } else {
                out.printf(Locale.ROOT, "%s on %s%n", cfg.label(), backend.description());
                out.printf(Locale.ROOT, "  step time   median %.3f ms (p10 %.3f, p90 %.3f, over %d steps after %d warm-up)%n",
                        s.medianMs(), s.p10Ms(), s.p90Ms(), repeats, warmup);
                out.printf(Locale.ROOT, "  throughput  %,.0f tokens/s (p10-p90 %,.0f-%,.0f)%n", s.tokensPerS(),
                        s.tokensPerSSlow(), s.tokensPerSFast());
                out.printf(Locale.ROOT, "  model       %.1f GFLOP/s (6·H·(G·H·(2L−1)+V)·B·T = %.3f GFLOP per step)%n",
                        s.gflops(), cfg.flopsPerStep() / 1e9);
            }
        }
        if (profile) {
            try (Backend inner = openBackend(backendName, threads)) {
                ProfilingBackend pb = new ProfilingBackend(inner);
                try (StepTimer timer = new StepTimer(pb, cfg, seed)) {
                    timer.measure(warmup, 1);
                    pb.reset();
                    timer.measure(0, repeats);
                    out.printf(Locale.ROOT, "%nprofile (each kernel timed on its own, mean over %d steps):%n", repeats);
                    out.print(pb.report(repeats));
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

    /** Step-time statistics. */
    record Stats(double medianMs, double p10Ms, double p90Ms, double tokensPerS, double tokensPerSSlow,
                 double tokensPerSFast, double gflops) {
        static Stats of(long[] sorted, StepConfig cfg) {
            double med = percentile(sorted, 0.5);
            double p10 = percentile(sorted, 0.1);
            double p90 = percentile(sorted, 0.9);
            double tok = cfg.tokens();
            return new Stats(med / 1e6, p10 / 1e6, p90 / 1e6, tok * 1e9 / med, tok * 1e9 / p90, tok * 1e9 / p10,
                    cfg.flopsPerStep() / med);
        }

        static double percentile(long[] sorted, double q) {
            double pos = q * (sorted.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = (int) Math.ceil(pos);
            return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
        }
    }

    static String json(Backend backend, StepConfig c, Stats s, int threads, int warmup, int repeats) {
        return String.format(Locale.ROOT,
                "{\"backend\":\"%s\",\"backend_description\":\"%s\",\"config\":{\"V\":%d,\"H\":%d,\"B\":%d,\"T\":%d,"
                        + "\"cell\":\"%s\",\"layers\":%d,\"activation\":\"%s\",\"clip\":\"%s\",\"bias\":%s,\"threads\":%d},\"warmup\":%d,\"repeats\":%d,"
                        + "\"tokens_per_s\":%.1f,\"tokens_per_s_p10\":%.1f,\"tokens_per_s_p90\":%.1f,"
                        + "\"step_ms_median\":%.4f,\"step_ms_p10\":%.4f,\"step_ms_p90\":%.4f,\"model_gflops\":%.2f}",
                backend.name(), backend.description().replace("\"", "'"), c.vocab(), c.hidden(), c.batch(), c.steps(),
                c.cell().name().toLowerCase(Locale.ROOT), c.layers(), c.activation().id(), c.clipping(), c.biases(), threads, warmup, repeats, s.tokensPerS(),
                s.tokensPerSSlow(), s.tokensPerSFast(), s.medianMs(), s.p10Ms(), s.p90Ms(), s.gflops());
    }
}

package io.rnn4j.spark;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sweep}: the adding-problem study over a grid of models, lengths, learning rates and seeds. */
@Command(name = "sweep", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"A grid of adding-problem runs (models × T × learning rates × seeds), one Spark task each.",
            "Writes sweep.csv (one line per run: final test MSE, first step below 0.01), sweep-curves.csv "
                + "(test MSE against the step, per run) and sweep.png (the curves) to --out, and prints the table."})
final class SweepCommand implements Callable<Integer> {
    @Option(names = "--models", split = ",", paramLabel = "LIST", description = "of tanh, relu, irnn, lstm, gru")
    List<String> models = List.of("tanh", "irnn", "lstm");
    @Option(names = "--T", split = ",", paramLabel = "LIST", description = "sequence lengths")
    List<Integer> lengths = List.of(50, 100);
    @Option(names = "--lrs", split = ",", paramLabel = "LIST", description = "Adam learning rates")
    List<Double> lrs = List.of(0.001);
    @Option(names = "--seeds", split = ",", paramLabel = "LIST", description = "seeds")
    List<Long> seeds = List.of(1L, 2L);
    @Option(names = "--hidden", paramLabel = "H", description = "hidden units")
    int hidden = 64;
    @Option(names = "--steps", paramLabel = "N", description = "training steps per run")
    int steps = 2000;
    @Option(names = "--batch", paramLabel = "B", description = "sequences per step")
    int batch = 32;
    @Option(names = "--eval-every", paramLabel = "N", description = "steps between test evaluations")
    int every = 100;
    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path out = Path.of("out/sweep");

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Test MSE against the step, one line per run (log scale); returns ", FILE" or why it was skipped. */
    private static String plot(List<AddingRun.Result> results, Path file) {
        try {
            System.setProperty("java.awt.headless", "true");
            org.knowm.xchart.XYChart chart = new org.knowm.xchart.XYChartBuilder().width(900).height(550)
                    .title("Adding problem sweep: test MSE").xAxisTitle("training step").yAxisTitle("test MSE").build();
            chart.getStyler().setYAxisLogarithmic(true);
            for (AddingRun.Result r : results) {
                AddingRun a = r.run();
                double[] x = new double[r.curve().length];
                double[] y = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    x[i] = r.curve()[i][0];
                    y[i] = Math.max(1e-6, r.curve()[i][1]);
                }
                chart.addSeries(String.format(Locale.ROOT, "%s T=%d lr=%g seed %d", a.model(), a.t(), a.lr(), a.seed()),
                        x, y).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
            }
            org.knowm.xchart.BitmapEncoder.saveBitmap(chart, file.toString(),
                    org.knowm.xchart.BitmapEncoder.BitmapFormat.PNG);
            return ", " + file;
        } catch (Throwable t) {
            return " (plot skipped: " + t.getMessage() + ")";
        }
    }

    @Override
    public Integer call() throws Exception {
        if (hidden < 1 || steps < 1 || batch < 1 || every < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--hidden, --steps, --batch and --eval-every must be at least 1");
        }
        List<AddingRun> runs = new ArrayList<>();
        for (String m : models) {
            for (int t : lengths) {
                for (double lr : lrs) {
                    for (long seed : seeds) {
                        AddingRun r = new AddingRun(m, t, hidden, steps, batch, lr, seed, every);
                        try {
                            r.config();
                        } catch (IllegalArgumentException e) {
                            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                        }
                        if (t < 2) {
                            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--T: the adding "
                                    + "problem needs T >= 2, got " + t);
                        }
                        runs.add(r);
                    }
                }
            }
        }
        PrintWriter log = spec.commandLine().getOut();
        log.printf("sweep: %d runs (%s × T %s × lr %s × seeds %s), H=%d, B=%d, %d steps each%n", runs.size(), models,
                lengths, lrs, seeds, hidden, batch, steps);
        List<AddingRun.Result> results;
        long t0 = System.nanoTime();
        try (JavaSparkContext sc = SparkMain.context("rnn4j sweep")) {
            results = Sweep.run(sc, runs, AddingRun::train);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Files.createDirectories(out);
        StringBuilder table = new StringBuilder("model,T,lr,seed,final_mse,first_step_below_0.01,backend\n");
        StringBuilder curves = new StringBuilder("model,T,lr,seed,step,test_mse\n");
        log.printf("%n%-6s %5s %8s %5s %12s %22s%n", "model", "T", "lr", "seed", "final MSE", "first step MSE < 0.01");
        for (AddingRun.Result r : results) {
            AddingRun a = r.run();
            table.append(String.format(Locale.ROOT, "%s,%d,%g,%d,%.6g,%d,\"%s\"%n", a.model(), a.t(), a.lr(), a.seed(),
                    r.finalMse(), r.firstBelow(), r.backend().replace("\"", "'")));
            for (double[] p : r.curve()) {
                curves.append(String.format(Locale.ROOT, "%s,%d,%g,%d,%d,%.6g%n", a.model(), a.t(), a.lr(), a.seed(),
                        (long) p[0], p[1]));
            }
            log.printf("%-6s %5d %8.4g %5d %12.5f %22s%n", a.model(), a.t(), a.lr(), a.seed(), r.finalMse(),
                    r.firstBelow() < 0 ? "not reached" : Integer.toString(r.firstBelow()));
        }
        java.util.SortedSet<String> backends = new java.util.TreeSet<>();
        results.forEach(r -> backends.add(r.backend()));
        log.printf("backend%s: %s%n", backends.size() == 1 ? "" : "s (DIFFERENT across runs: their results differ by"
                + " float rounding; give every executor the same JVM options)", String.join(" | ", backends));
        Files.writeString(out.resolve("sweep.csv"), table.toString());
        Files.writeString(out.resolve("sweep-curves.csv"), curves.toString());
        String plot = plot(results, out.resolve("sweep.png"));
        log.printf("%d runs in %.1f s; files: %s, %s%s%n", results.size(), seconds, out.resolve("sweep.csv"),
                out.resolve("sweep-curves.csv"), plot);
        return 0;
    }
}

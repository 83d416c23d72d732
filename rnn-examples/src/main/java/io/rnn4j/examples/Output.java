package io.rnn4j.examples;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The output folder of a study: CSV files and PNG line plots (XChart). The folder is checked when the
 * study starts (it must be a folder that can be written, or one that can be created) and created at the
 * first file written, so that a run that fails before writing anything leaves no empty folder behind.
 */
final class Output {
    private final Path dir;
    private final PrintWriter log;
    private final List<Path> written = new ArrayList<>();
    private boolean created;
    private final long started = System.nanoTime();

    /**
     * Checks the folder (nothing is created yet).
     *
     * @throws IOException saying why the folder cannot be used
     */
    Output(Path dir, PrintWriter log) throws IOException {
        this.dir = dir;
        this.log = log;
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new IOException("the output folder " + dir + " is a file, not a folder: choose another with --out");
            }
            if (!Files.isWritable(dir)) {
                throw new IOException("the output folder " + dir + " is not writable: choose another with --out");
            }
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        while (parent != null && !Files.exists(parent)) {
            parent = parent.getParent();
        }
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new IOException("cannot create the output folder " + dir + ": " + (parent == null ? "no folder above it"
                    : parent + (Files.isDirectory(parent) ? " is not writable" : " is a file, not a folder"))
                    + "; choose another with --out");
        }
    }

    private void create() throws IOException {
        if (!created) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new IOException("cannot create the output folder " + dir + ": " + Cli.describe(e), e);
            }
            created = true;
        }
    }

    Path dir() {
        return dir;
    }

    List<Path> written() {
        return written;
    }

    /** Writes a CSV file with a header line and rows of values. */
    Path csv(String name, String header, List<double[]> rows) throws IOException {
        create();
        StringBuilder sb = new StringBuilder(header).append('\n');
        for (double[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                double v = r[i];
                sb.append(v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                        : String.format(Locale.ROOT, "%.6g", v));
            }
            sb.append('\n');
        }
        Path p = dir.resolve(name);
        Files.writeString(p, sb.toString(), StandardCharsets.UTF_8);
        written.add(p);
        return p;
    }

    /**
     * Writes {@code summary.json}: how the run was made (the command's arguments, the backend and kernel
     * path, the machine, the wall time; see {@link Studies#provenance}) and its {@code results}, the
     * figures the run's summary printed, for scripts such as docs/studies/regenerate.py.
     *
     * @param results maps, lists, strings, numbers (NaN and infinities become null), booleans or null
     */
    Path summary(picocli.CommandLine.Model.CommandSpec spec, java.util.Map<String, ?> results) throws IOException {
        create();
        java.util.Map<String, Object> all = Studies.provenance(spec, (System.nanoTime() - started) / 1e9);
        all.put("results", results);
        StringBuilder sb = new StringBuilder();
        json(sb, all, "");
        Path p = dir.resolve("summary.json");
        Files.writeString(p, sb.append('\n').toString(), StandardCharsets.UTF_8);
        written.add(p);
        return p;
    }

    /**
     * Appends {@code v} as indented JSON ({@link io.rnn4j.internal.Json#writeIndented}) after turning what
     * JSON cannot hold into what it can: NaN and infinities into null, {@code double[]} and other
     * iterables into arrays.
     *
     * @param indent the indentation of the line {@code v} starts on (two spaces a level)
     */
    static void json(StringBuilder sb, Object v, String indent) {
        String text = io.rnn4j.internal.Json.writeIndented(jsonable(v));
        sb.append(indent.isEmpty() ? text : text.replace("\n", "\n" + indent));
    }

    private static Object jsonable(Object v) {
        if (v instanceof Double d && !Double.isFinite(d) || v instanceof Float f && !Float.isFinite(f)) {
            return null;
        }
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), jsonable(x)));
            return out;
        }
        if (v instanceof double[] a) {
            return jsonable(java.util.Arrays.stream(a).boxed().toList());
        }
        if (v instanceof Iterable<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(x -> out.add(jsonable(x)));
            return out;
        }
        return v == null || v instanceof Number || v instanceof Boolean ? v : v.toString();
    }

    /** One line series of a plot. */
    record Series(String name, double[] x, double[] y) {
    }

    /**
     * Writes a PNG line plot. Points with non-positive y are dropped on a log axis. When Java 2D
     * cannot render here (no fonts on a bare machine), prints why and goes on: the CSV has the data.
     */
    Path plot(String name, String title, String xLabel, String yLabel, boolean logY, List<Series> series) {
        Path p = dir.resolve(name);
        try {
            create();
            System.setProperty("java.awt.headless", "true");
            XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel)
                    .yAxisTitle(yLabel).build();
            chart.getStyler().setYAxisLogarithmic(logY);
            chart.getStyler().setMarkerSize(3);
            java.awt.Color[] palette = {new java.awt.Color(0x1f77b4), new java.awt.Color(0xff7f0e),
                new java.awt.Color(0x2ca02c), new java.awt.Color(0xd62728), new java.awt.Color(0x9467bd),
                new java.awt.Color(0x8c564b), new java.awt.Color(0xe377c2), new java.awt.Color(0x7f7f7f)};
            int index = 0;
            for (Series s : series) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (int i = 0; i < s.x().length; i++) {
                    double y = s.y()[i];
                    if (Double.isFinite(y) && (!logY || y > 0)) {
                        xs.add(s.x()[i]);
                        ys.add(y);
                    }
                }
                if (xs.isEmpty()) {
                    continue;
                }
                var line = chart.addSeries(s.name(), xs, ys);
                line.setMarker(SeriesMarkers.NONE);
                line.setLineColor(palette[index++ % palette.length]);
            }
            BitmapEncoder.saveBitmap(chart, p.toString(), BitmapEncoder.BitmapFormat.PNG);
            written.add(p);
            return p;
        } catch (Throwable t) {
            log.println("  (plot " + name + " skipped: " + Cli.describe(t) + ")");
            return null;
        }
    }
}

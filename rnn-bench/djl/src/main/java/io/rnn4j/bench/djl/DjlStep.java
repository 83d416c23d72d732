package io.rnn4j.bench.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RNN;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The step benchmark on DJL's PyTorch engine (libtorch 2.x, CPU build): the model and step of
 * {@code rnn-bench.jar step --no-bias} and of {@code compare/pytorch_step.py}: one-hot inputs (V ≤ 1000), DJL's
 * {@link RNN}, {@link LSTM} or {@link GRU} block (libtorch's fused {@code rnn_tanh}, {@code lstm}, {@code gru};
 * oneDNN's kernels where libtorch uses them) without biases, a {@link Linear} head without bias,
 * softmax cross-entropy summed over all tokens, global-norm clipping at 5, SGD. Prints one JSON line
 * with the median tokens/s, like {@code step --format json}.
 *
 * <pre>java -jar rnn-bench-djl.jar -V 65 -H 128 -B 50 -T 50 [--cell elman|lstm|gru] [--threads 2] [--warmup 10]
 *     [--repeats 30]</pre>
 */
public final class DjlStep {
    private DjlStep() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args the options above
     */
    public static void main(String[] args) {
        int v = 65;
        int h = 128;
        int b = 50;
        int t = 50;
        int threads = 2;
        int warmup = 10;
        int repeats = 30;
        String cell = "elman";
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--cell")) {
                cell = args[i + 1];
                if (!cell.equals("elman") && !cell.equals("lstm") && !cell.equals("gru")) {
                    throw new IllegalArgumentException("--cell must be elman, lstm or gru, got " + cell);
                }
                continue;
            }
            int val = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "-V" -> v = val;
                case "-H" -> h = val;
                case "-B" -> b = val;
                case "-T" -> t = val;
                case "--threads" -> threads = val;
                case "--warmup" -> warmup = val;
                case "--repeats" -> repeats = val;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (v > 1000) {
            throw new IllegalArgumentException("this baseline feeds one-hot inputs: V <= 1000");
        }
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.out.println(measure(cell, v, h, b, t, threads, warmup, repeats));
    }

    static String measure(String cell, int v, int h, int b, int t, int threads, int warmup, int repeats) {
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager m = engine.newBaseManager(Device.cpu())) {
            RecurrentBlock rnn = switch (cell) {
                case "lstm" -> LSTM.builder().setStateSize(h).setNumLayers(1).optHasBiases(false).optBatchFirst(false)
                        .optReturnState(false).build();
                case "gru" -> GRU.builder().setStateSize(h).setNumLayers(1).optHasBiases(false).optBatchFirst(false)
                        .optReturnState(false).build();
                default -> RNN.builder().setStateSize(h).setNumLayers(1).setActivation(RNN.Activation.TANH)
                        .optHasBiases(false).optBatchFirst(false).optReturnState(false).build();
            };
            int gates = switch (cell) {
                case "lstm" -> 4;
                case "gru" -> 3;
                default -> 1;
            };
            Linear head = Linear.builder().setUnits(v).optBias(false).build();
            rnn.initialize(m, DataType.FLOAT32, new Shape(t, b, v));
            head.initialize(m, DataType.FLOAT32, new Shape((long) t * b, h));
            List<NDArray> params = new ArrayList<>();
            for (Pair<String, Parameter> p : rnn.getParameters()) {
                params.add(p.getValue().getArray());
            }
            for (Pair<String, Parameter> p : head.getParameters()) {
                params.add(p.getValue().getArray());
            }
            ParameterStore ps = new ParameterStore(m, false);
            Random r = new Random(1);
            NDArray[] xs = new NDArray[4];
            NDArray[] ys = new NDArray[4];
            for (int i = 0; i < 4; i++) {
                int[] ids = r.ints((long) t * b, 0, v).toArray();
                int[] tg = r.ints((long) t * b, 0, v).toArray();
                xs[i] = m.create(ids, new Shape(t, b)).oneHot(v).toType(DataType.FLOAT32, false);
                ys[i] = m.create(tg, new Shape((long) t * b)).toType(DataType.INT64, false);
            }
            double[] times = new double[repeats];
            for (int i = 0; i < warmup + repeats; i++) {
                long t0 = System.nanoTime();
                step(m, rnn, head, ps, params, xs[i % 4], ys[i % 4], t, b, h);
                if (i >= warmup) {
                    times[i - warmup] = (System.nanoTime() - t0) / 1e9;
                }
            }
            Arrays.sort(times);
            double med = times[times.length / 2];
            double p10 = times[(int) (0.1 * (times.length - 1))];
            double p90 = times[(int) (0.9 * (times.length - 1))];
            double tokens = (double) b * t;
            return String.format(Locale.ROOT, "{\"backend\": \"djl-pytorch-cpu\", \"backend_description\": \"DJL %s,"
                    + " PyTorch %s (CPU), %d threads, one-hot %s block\", \"config\": {\"V\": %d, \"H\": %d, \"B\": %d,"
                    + " \"T\": %d, \"cell\": \"%s\", \"activation\": \"tanh\", \"clip\": \"global:5\", \"bias\": false,"
                    + " \"threads\": %d}, \"warmup\": %d, \"repeats\": %d, \"tokens_per_s\": %.1f, \"tokens_per_s_p10\":"
                    + " %.1f, \"tokens_per_s_p90\": %.1f, \"step_ms_median\": %.3f, \"model_gflops\": %.2f}",
                    Engine.getDjlVersion(), engine.getVersion(), threads, cell, v, h, b, t, cell, threads, warmup, repeats,
                    tokens / med, tokens / p90, tokens / p10, med * 1e3,
                    6.0 * h * ((double) gates * h + v) * tokens / med / 1e9);
        }
    }

    /** Forward, summed cross-entropy, backward, global-norm clipping at 5, SGD at 1e-3. */
    private static void step(NDManager m, RecurrentBlock rnn, Linear head, ParameterStore ps, List<NDArray> params, NDArray x,
                             NDArray y, int t, int b, int h) {
        try (NDManager sub = m.newSubManager()) {
            // The step's inputs belong to the step's manager while it runs, so that every intermediate
            // array (attached to its inputs' manager) is freed when the step ends.
            x.tempAttach(sub);
            y.tempAttach(sub);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray out = rnn.forward(ps, new NDList(x), true).singletonOrThrow();
                NDArray z = head.forward(ps, new NDList(out.reshape((long) t * b, h)), true).singletonOrThrow();
                NDArray logp = z.logSoftmax(1);
                NDArray loss = logp.mul(y.oneHot((int) z.getShape().get(1))).sum().neg();
                gc.backward(loss);
            }
            // Outside the collector (grad mode off): clipping and the update in place, as torch.optim does.
            double sq = 0;
            for (NDArray p : params) {
                NDArray g2 = p.getGradient().square().sum();
                g2.tempAttach(sub);
                sq += g2.getFloat();
            }
            double norm = Math.sqrt(sq);
            float scale = norm > 5.0 ? (float) (5.0 / norm) : 1f;
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                NDArray delta = g.mul(1e-3f * scale);
                delta.tempAttach(sub);
                p.subi(delta);
                g.subi(g); // zero for the next step (as optimizer.zero_grad)
            }
        }
    }
}

package io.rnn4j.internal;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.TrainerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** Model and training configurations as JSON objects (the checkpoint's metadata). */
public final class ConfigCodec {
    private ConfigCodec() {
    }

    public static Map<String, Object> toMap(RnnConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", c.cell().name());
        m.put("forgetBias", (double) c.forgetBias());
        m.put("layers", (long) c.layers());
        m.put("inputKind", c.inputKind().name());
        m.put("inputSize", (long) c.inputSize());
        m.put("hiddenSize", (long) c.hiddenSize());
        m.put("outputSize", (long) c.outputSize());
        m.put("activation", c.activation().name());
        m.put("hiddenBias", c.hiddenBias());
        m.put("outputBias", c.outputBias());
        m.put("recurrentInit", init(c.recurrentInit()));
        m.put("inputInit", init(c.inputInit()));
        m.put("outputInit", init(c.outputInit()));
        m.put("preluSlope", (double) c.preluSlope());
        m.put("seed", c.seed());
        return m;
    }

    private static Map<String, Object> init(Init i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", i.kind().name());
        m.put("value", i.value());
        return m;
    }

    public static RnnConfig rnnConfig(Map<String, Object> m) {
        return new RnnConfig(InputKind.valueOf(str(m, "inputKind")), integer(m, "inputSize"), integer(m, "hiddenSize"),
                integer(m, "outputSize"), Activation.valueOf(str(m, "activation")), bool(m, "hiddenBias"),
                bool(m, "outputBias"), init(obj(m, "recurrentInit")), init(obj(m, "inputInit")),
                init(obj(m, "outputInit")), (float) num(m, "preluSlope"), (long) num(m, "seed"),
                io.rnn4j.nn.CellType.valueOf(str(m, "cell")), (float) num(m, "forgetBias"),
                m.containsKey("layers") ? integer(m, "layers") : 1);
    }

    private static Init init(Map<String, Object> m) {
        return new Init(Init.Kind.valueOf(str(m, "kind")), num(m, "value"));
    }

    public static Map<String, Object> toMap(TrainerConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", c.loss().name());
        m.put("reduction", c.reduction().name());
        m.put("clipping", c.clipping().toString());
        OptimizerConfig o = c.optimizer();
        Map<String, Object> opt = new LinkedHashMap<>();
        opt.put("kind", o.kind().name());
        opt.put("learningRate", (double) o.learningRate());
        opt.put("momentum", (double) o.momentum());
        opt.put("rho", (double) o.rho());
        opt.put("beta1", (double) o.beta1());
        opt.put("beta2", (double) o.beta2());
        opt.put("epsilon", (double) o.epsilon());
        m.put("optimizer", opt);
        m.put("carryState", c.carryState());
        m.put("diagnostics", c.diagnostics());
        m.put("nonFinitePolicy", c.nonFinitePolicy().name());
        return m;
    }

    public static TrainerConfig trainerConfig(Map<String, Object> m) {
        Map<String, Object> o = obj(m, "optimizer");
        OptimizerConfig opt = new OptimizerConfig(UpdateRule.Kind.valueOf(str(o, "kind")), (float) num(o, "learningRate"),
                (float) num(o, "momentum"), (float) num(o, "rho"), (float) num(o, "beta1"), (float) num(o, "beta2"),
                (float) num(o, "epsilon"));
        return new TrainerConfig(Loss.valueOf(str(m, "loss")), Reduction.valueOf(str(m, "reduction")),
                Clipping.parse(str(m, "clipping")), opt, bool(m, "carryState"), bool(m, "diagnostics"),
                NonFinitePolicy.valueOf(str(m, "nonFinitePolicy")));
    }

    private static Object get(Map<String, Object> m, String k) {
        if (!m.containsKey(k)) {
            throw new IllegalArgumentException("configuration lacks '" + k + "'");
        }
        return m.get(k);
    }

    private static String str(Map<String, Object> m, String k) {
        return String.valueOf(get(m, k));
    }

    private static double num(Map<String, Object> m, String k) {
        Object v = get(m, k);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("configuration entry '" + k + "' is not a number: " + v);
        }
        return n.doubleValue();
    }

    private static int integer(Map<String, Object> m, String k) {
        return (int) num(m, k);
    }

    private static boolean bool(Map<String, Object> m, String k) {
        Object v = get(m, k);
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("configuration entry '" + k + "' is not a boolean: " + v);
        }
        return b;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Map<String, Object> m, String k) {
        Object v = get(m, k);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("configuration entry '" + k + "' is not an object: " + v);
        }
        return (Map<String, Object>) v;
    }
}

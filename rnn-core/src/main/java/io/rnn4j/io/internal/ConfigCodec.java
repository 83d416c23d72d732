package io.rnn4j.io.internal;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Clipping;
import io.rnn4j.train.Dropout;
import io.rnn4j.train.LearningRateSchedule;
import io.rnn4j.train.Loss;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.Regularizer;
import io.rnn4j.train.TrainerConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model and training configurations as JSON objects (the checkpoint's metadata). Reading names the
 * entry that is missing or of the wrong type; the configurations' constructors validate the values.
 */
public final class ConfigCodec {
    private ConfigCodec() {
    }

    public static Map<String, Object> toMap(RnnConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", c.cell().name());
        m.put("forgetBias", (double) c.forgetBias());
        m.put("layers", (long) c.layers());
        m.put("bidirectional", c.bidirectional());
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
        return new RnnConfig(enumValue(InputKind.class, str(m, "inputKind")), integer(m, "inputSize"),
                integer(m, "hiddenSize"), integer(m, "outputSize"), enumValue(Activation.class, str(m, "activation")),
                bool(m, "hiddenBias"),
                bool(m, "outputBias"), init(obj(m, "recurrentInit")), init(obj(m, "inputInit")),
                init(obj(m, "outputInit")), (float) num(m, "preluSlope"), whole(m, "seed"),
                enumValue(io.rnn4j.nn.CellType.class, str(m, "cell")), (float) num(m, "forgetBias"),
                m.containsKey("layers") ? integer(m, "layers") : 1,
                m.containsKey("bidirectional") && bool(m, "bidirectional"));
    }

    private static Init init(Map<String, Object> m) {
        return new Init(enumValue(Init.Kind.class, str(m, "kind")), num(m, "value"));
    }

    public static Map<String, Object> toMap(TrainerConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", c.loss().name());
        m.put("reduction", c.reduction().name());
        m.put("clipping", c.clipping().toString());
        m.put("optimizer", toMap(c.optimizer().rule()));
        m.put("carryState", c.carryState());
        m.put("diagnostics", c.diagnostics());
        m.put("nonFinitePolicy", c.nonFinitePolicy().name());
        m.put("schedule", c.schedule().spec());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", c.dropout().kind().name());
        d.put("p", (double) c.dropout().p());
        d.put("seed", c.dropout().seed());
        m.put("dropout", d);
        m.put("regularizer", c.regularizer().toString());
        return m;
    }

    public static TrainerConfig trainerConfig(Map<String, Object> m) {
        OptimizerConfig opt = new OptimizerConfig(updateRule(obj(m, "optimizer")));
        LearningRateSchedule schedule = m.containsKey("schedule") ? LearningRateSchedule.parse(str(m, "schedule"))
                : LearningRateSchedule.constant();
        Dropout dropout = Dropout.none();
        if (m.containsKey("dropout")) {
            Map<String, Object> d = obj(m, "dropout");
            dropout = new Dropout(enumValue(Dropout.Kind.class, str(d, "kind")), (float) num(d, "p"),
                    whole(d, "seed"));
        }
        return new TrainerConfig(enumValue(Loss.class, str(m, "loss")), enumValue(Reduction.class, str(m, "reduction")),
                Clipping.parse(str(m, "clipping")), opt, bool(m, "carryState"), bool(m, "diagnostics"),
                enumValue(NonFinitePolicy.class, str(m, "nonFinitePolicy")), schedule, dropout,
                m.containsKey("regularizer") ? Regularizer.parse(str(m, "regularizer")) : Regularizer.none());
    }

    /**
     * Every component of an update rule but its clip value (the trainer's), under its record name:
     * the rule is the one definition of the optimizer's fields, so a new field is written without
     * a change here.
     */
    public static Map<String, Object> toMap(UpdateRule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent rc : UpdateRule.class.getRecordComponents()) {
            if (rc.getName().equals("clipValue")) {
                continue;
            }
            Object v = invoke(rc, r);
            m.put(rc.getName(), v instanceof Enum<?> e ? e.name() : v instanceof Float f ? (Object) (double) f : v);
        }
        return m;
    }

    /**
     * The update rule of {@link #toMap(UpdateRule)}: {@code kind} and {@code learningRate} are
     * required; a field the map lacks (a file written before the field existed) takes the kind's
     * default ({@link UpdateRule#defaults}). Validation is the rule's own.
     */
    public static UpdateRule updateRule(Map<String, Object> m) {
        UpdateRule.Kind kind = enumValue(UpdateRule.Kind.class, str(m, "kind"));
        UpdateRule defaults = UpdateRule.defaults(kind, (float) num(m, "learningRate"));
        RecordComponent[] rcs = UpdateRule.class.getRecordComponents();
        Class<?>[] types = new Class<?>[rcs.length];
        Object[] args = new Object[rcs.length];
        for (int i = 0; i < rcs.length; i++) {
            String name = rcs[i].getName();
            types[i] = rcs[i].getType();
            if (!m.containsKey(name) || name.equals("clipValue")) {
                args[i] = invoke(rcs[i], defaults);
            } else if (types[i] == float.class) {
                args[i] = (float) num(m, name);
            } else if (types[i] == boolean.class) {
                args[i] = bool(m, name);
            } else if (types[i] == int.class) {
                args[i] = integer(m, name);
            } else if (types[i].isEnum()) {
                args[i] = kind;
            } else {
                throw new IllegalStateException("UpdateRule component " + name + " of " + types[i] + " has no codec");
            }
        }
        try {
            return UpdateRule.class.getDeclaredConstructor(types).newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object invoke(RecordComponent rc, Object record) {
        try {
            return rc.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String name) {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + name + "'");
        }
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

    /** A 64-bit whole number, exactly (a seed above 2^53 does not survive a double). */
    private static long whole(Map<String, Object> m, String k) {
        Object v = get(m, k);
        if (v instanceof Long l) {
            return l;
        }
        double d = num(m, k);
        if (d != Math.rint(d) || Math.abs(d) > 0x1p53) {
            throw new IllegalArgumentException("configuration entry '" + k + "' is not a whole number: " + v);
        }
        return (long) d;
    }

    private static int integer(Map<String, Object> m, String k) {
        double v = num(m, k);
        if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("configuration entry '" + k + "' is not an int: " + v);
        }
        return (int) v;
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

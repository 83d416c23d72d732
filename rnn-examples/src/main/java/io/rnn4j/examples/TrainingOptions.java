package io.rnn4j.examples;

import io.rnn4j.backend.UpdateRule;
import io.rnn4j.train.Dropout;
import io.rnn4j.train.LearningRateSchedule;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Regularizer;
import io.rnn4j.train.TrainerConfig;
import java.util.EnumSet;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The training options the studies share (a picocli mixin): every optimizer knob, a learning-rate
 * schedule and dropout. A knob left out keeps the optimizer's default (PyTorch's); a knob that
 * does not belong to the chosen optimizer is a usage error, not silently ignored.
 */
final class TrainingOptions {
    private static final Set<UpdateRule.Kind> MOMENTUM = EnumSet.of(UpdateRule.Kind.SGD, UpdateRule.Kind.RMSPROP);
    private static final Set<UpdateRule.Kind> ADAM = EnumSet.of(UpdateRule.Kind.ADAM, UpdateRule.Kind.ADAMW);
    private static final Set<UpdateRule.Kind> EPSILON = EnumSet.complementOf(EnumSet.of(UpdateRule.Kind.SGD));

    @Option(names = "--momentum", paramLabel = "MU", description = "momentum (sgd, rmsprop; default 0)")
    Double momentum;
    @Option(names = "--nesterov", description = "Nesterov momentum (sgd with --momentum)")
    boolean nesterov;
    @Option(names = "--alpha", paramLabel = "A", description = "RMSProp's smoothing constant (default 0.99)")
    Double alpha;
    @Option(names = "--centered", description = "centered RMSProp")
    boolean centered;
    @Option(names = "--beta1", paramLabel = "B1", description = "Adam's β1 (default 0.9)")
    Double beta1;
    @Option(names = "--beta2", paramLabel = "B2", description = "Adam's β2 (default 0.999)")
    Double beta2;
    @Option(names = "--eps", paramLabel = "E", description = "ε added to the root (adagrad 1e-10, others 1e-8)")
    Double eps;
    @Option(names = "--weight-decay", paramLabel = "L", description = "weight decay: L2, decoupled for adamw (default 0; adamw 0.01)")
    Double weightDecay;
    @Option(names = "--initial-accumulator", paramLabel = "V", description = "Adagrad's initial accumulator (default 0)")
    Double initialAccumulator;
    @Option(names = "--schedule", paramLabel = "SPEC", converter = ScheduleConverter.class, defaultValue = "constant",
            description = "learning-rate schedule: constant, step:EVERY:GAMMA, exp:GAMMA, cosine:T[:MIN] (a rate that "
                    + "decays to 0 trains on without moving the weights)")
    LearningRateSchedule schedule = LearningRateSchedule.constant();
    @Option(names = "--warmup", paramLabel = "N", description = "linear warm-up over N updates before the schedule (default 0)")
    long warmup;
    @Option(names = "--dropout", paramLabel = "SPEC", converter = DropoutConverter.class,
            description = "dropout while training: none, P (standard), variational:P (default none)")
    Dropout dropout = Dropout.none();
    @Option(names = "--regularizer", paramLabel = "SPEC", converter = RegularizerConverter.class,
            description = "none, or omega:LAMBDA (Pascanu et al. 2013's vanishing-gradient regularizer; Elman cells)")
    Regularizer regularizer = Regularizer.none();

    /** Converts {@code --schedule}. */
    static final class ScheduleConverter implements CommandLine.ITypeConverter<LearningRateSchedule> {
        @Override
        public LearningRateSchedule convert(String s) {
            return Cli.parse(() -> LearningRateSchedule.parse(s));
        }
    }

    /** Converts {@code --regularizer}. */
    static final class RegularizerConverter implements CommandLine.ITypeConverter<Regularizer> {
        @Override
        public Regularizer convert(String s) {
            return Cli.parse(() -> Regularizer.parse(s));
        }
    }

    /** Converts {@code --dropout}. */
    static final class DropoutConverter implements CommandLine.ITypeConverter<Dropout> {
        @Override
        public Dropout convert(String s) {
            return Cli.parse(() -> Dropout.parse(s));
        }
    }

    /** {@code base} with the knobs given; a knob of another optimizer or a bad value is a usage error. */
    OptimizerConfig optimizer(CommandSpec spec, OptimizerConfig base) {
        UpdateRule.Kind kind = base.kind();
        OptimizerConfig o = base;
        try {
            if (momentum != null) {
                o = o.momentum(only(spec, "--momentum", kind, MOMENTUM, momentum));
            }
            if (nesterov) {
                o = o.nesterov();
            }
            if (alpha != null) {
                o = o.alpha(only(spec, "--alpha", kind, EnumSet.of(UpdateRule.Kind.RMSPROP), alpha));
            }
            if (centered) {
                o = o.centered();
            }
            if (beta1 != null || beta2 != null) {
                UpdateRule r = o.rule(Float.POSITIVE_INFINITY);
                double b1 = beta1 != null ? only(spec, "--beta1", kind, ADAM, beta1) : r.beta1();
                double b2 = beta2 != null ? only(spec, "--beta2", kind, ADAM, beta2) : r.beta2();
                o = o.betas(b1, b2);
            }
            if (eps != null) {
                o = o.epsilon(only(spec, "--eps", kind, EPSILON, eps));
            }
            if (weightDecay != null) {
                o = o.weightDecay(weightDecay);
            }
            if (initialAccumulator != null) {
                o = o.initialAccumulator(only(spec, "--initial-accumulator", kind, EnumSet.of(UpdateRule.Kind.ADAGRAD),
                        initialAccumulator));
            }
        } catch (IllegalArgumentException e) {
            throw Cli.usage(spec, e.getMessage());
        }
        return o;
    }

    private static double only(CommandSpec spec, String option, UpdateRule.Kind kind, Set<UpdateRule.Kind> kinds,
                               double v) {
        if (!kinds.contains(kind)) {
            throw Cli.usage(spec, option + " is an option of " + names(kinds) + ", not of "
                    + kind.name().toLowerCase(java.util.Locale.ROOT) + " (--optimizer)");
        }
        return v;
    }

    private static String names(Set<UpdateRule.Kind> kinds) {
        StringBuilder b = new StringBuilder();
        for (UpdateRule.Kind k : kinds) {
            b.append(b.length() == 0 ? "" : " and ").append(k.name().toLowerCase(java.util.Locale.ROOT));
        }
        return b.toString();
    }

    /** The schedule (with its warm-up) and the dropout, on {@code b}. */
    TrainerConfig.Builder apply(CommandSpec spec, TrainerConfig.Builder b) {
        if (warmup < 0) {
            throw Cli.usage(spec, "--warmup must be at least 0, got " + warmup);
        }
        return b.schedule(warmup > 0 ? schedule.withWarmup(warmup) : schedule).dropout(dropout).regularizer(regularizer);
    }

    /** A short description for the run's header line. */
    String describe() {
        LearningRateSchedule s = warmup > 0 ? schedule.withWarmup(warmup) : schedule;
        return "schedule " + s.spec() + ", dropout " + dropout + (regularizer.active() ? ", regularizer " + regularizer : "");
    }
}

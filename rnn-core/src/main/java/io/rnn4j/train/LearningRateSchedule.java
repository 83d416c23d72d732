package io.rnn4j.train;

import java.util.Locale;

/**
 * The learning rate of each update as a factor of the optimizer's base rate, a pure function of
 * the 1-based update count t: a resumed run (whose checkpoint stores t) continues the schedule
 * exactly. PyTorch's schedulers, stepped once per update, with t − 1 as their counter:
 * <ul>
 *   <li>{@link #constant()}: 1.</li>
 *   <li>{@link #stepDecay(long, double)} ({@code StepLR}): {@code γ^⌊(t − 1) / every⌋}.</li>
 *   <li>{@link #exponential(double)} ({@code ExponentialLR}): {@code γ^(t − 1)}.</li>
 *   <li>{@link #cosine(long, double)} ({@code CosineAnnealingLR} over one half period):
 *       {@code m + (1 − m)(1 + cos(π · min(t − 1, T) / T)) / 2}, then m after T updates (PyTorch's
 *       would rise again).</li>
 *   <li>{@link #withWarmup(long)}: linear warm-up in front of any of them: {@code t / W} for the first
 *       W updates, then the schedule with its counter starting after the warm-up.</li>
 * </ul>
 * Written as text ({@link #spec()}, {@link #parse(String)}): {@code constant}, {@code step:EVERY:GAMMA},
 * {@code exp:GAMMA}, {@code cosine:T[:MIN]}, {@code warmup:W+SCHEDULE}.
 */
public sealed interface LearningRateSchedule {

    /**
     * The factor of the base learning rate at the {@code t}-th update: in {@code [0, 1]}, and 0 only where a
     * schedule has decayed to nothing ({@link #cosine(long, double)} with a final factor of 0 after its
     * period; a decay that underflows). A rate of 0 trains on: the update moves no parameter (the
     * optimizer's state still advances), as PyTorch does with a rate of 0.
     *
     * @param t the 1-based update count
     * @return the factor, in {@code [0, 1]}
     */
    double factor(long t);

    /** {@return the text form, which {@link #parse(String)} reads back} */
    String spec();

    /** {@return the same rate at every update} */
    static LearningRateSchedule constant() {
        return Constant.INSTANCE;
    }

    /**
     * Multiply by {@code gamma} every {@code every} updates.
     *
     * @return the schedule
     * @param every at least 1
     * @param gamma in {@code (0, 1]}
     */
    static LearningRateSchedule stepDecay(long every, double gamma) {
        return new StepDecay(every, gamma);
    }

    /**
     * Multiply by {@code gamma} at every update.
     *
     * @return the schedule
     * @param gamma in {@code (0, 1]}
     */
    static LearningRateSchedule exponential(double gamma) {
        return new Exponential(gamma);
    }

    /**
     * A half cosine from 1 down to {@code minFactor} over {@code period} updates.
     *
     * @return the schedule
     * @param period at least 1
     * @param minFactor the final factor, in {@code [0, 1]}
     */
    static LearningRateSchedule cosine(long period, double minFactor) {
        return new Cosine(period, minFactor);
    }

    /**
     * Linear warm-up over {@code steps} updates in front of this schedule.
     *
     * @param steps at least 1
     * @return the combined schedule
     */
    default LearningRateSchedule withWarmup(long steps) {
        return new Warmup(steps, this);
    }

    /**
     * Parses {@link #spec()}'s text.
     *
     * @param text the text form
     * @return the schedule
     * @throws IllegalArgumentException naming what is wrong
     */
    static LearningRateSchedule parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("warmup:")) {
                int plus = s.indexOf('+');
                if (plus < 0) {
                    throw new IllegalArgumentException("expected warmup:W+SCHEDULE");
                }
                return parse(s.substring(plus + 1)).withWarmup(Long.parseLong(s.substring(7, plus)));
            }
            String[] p = s.split(":");
            return switch (p[0]) {
                case "constant" -> constant();
                case "step" -> stepDecay(Long.parseLong(p[1]), Double.parseDouble(p[2]));
                case "exp", "exponential" -> exponential(Double.parseDouble(p[1]));
                case "cosine" -> cosine(Long.parseLong(p[1]), p.length > 2 ? Double.parseDouble(p[2]) : 0);
                default -> throw new IllegalArgumentException("unknown schedule '" + p[0] + "'");
            };
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("bad schedule '" + text + "' (expected constant, step:EVERY:GAMMA, "
                    + "exp:GAMMA, cosine:T[:MIN] or warmup:W+SCHEDULE)");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad schedule '" + text + "': " + e.getMessage());
        }
    }

    /** The same rate at every update. */
    record Constant() implements LearningRateSchedule {
        static final Constant INSTANCE = new Constant();

        @Override
        public double factor(long t) {
            return 1;
        }

        @Override
        public String spec() {
            return "constant";
        }
    }

    /** {@code γ^⌊(t − 1) / every⌋}. */
    record StepDecay(long every, double gamma) implements LearningRateSchedule {
        /**
         * Checks the arguments.
         *
         * @param every at least 1
         * @param gamma in {@code (0, 1]}
         */
        public StepDecay {
            if (every < 1) {
                throw new IllegalArgumentException("the decay interval must be at least 1, got " + every);
            }
            checkGamma(gamma);
        }

        @Override
        public double factor(long t) {
            return Math.pow(gamma, (double) ((t - 1) / every));
        }

        @Override
        public String spec() {
            return "step:" + every + ":" + gamma;
        }
    }

    /** {@code γ^(t − 1)}. */
    record Exponential(double gamma) implements LearningRateSchedule {
        /**
         * Checks the argument.
         *
         * @param gamma in {@code (0, 1]}
         */
        public Exponential {
            checkGamma(gamma);
        }

        @Override
        public double factor(long t) {
            return Math.pow(gamma, t - 1);
        }

        @Override
        public String spec() {
            return "exp:" + gamma;
        }
    }

    /** A half cosine from 1 to {@code minFactor} over {@code period} updates, then {@code minFactor}. */
    record Cosine(long period, double minFactor) implements LearningRateSchedule {
        /**
         * Checks the arguments.
         *
         * @param period at least 1
         * @param minFactor in {@code [0, 1]}
         */
        public Cosine {
            if (period < 1) {
                throw new IllegalArgumentException("the cosine period must be at least 1, got " + period);
            }
            if (!(minFactor >= 0 && minFactor <= 1)) {
                throw new IllegalArgumentException("the cosine's final factor must be in [0, 1], got " + minFactor);
            }
        }

        @Override
        public double factor(long t) {
            double x = Math.min(t - 1, period) / (double) period;
            return minFactor + (1 - minFactor) * (1 + Math.cos(Math.PI * x)) / 2;
        }

        @Override
        public String spec() {
            return "cosine:" + period + ":" + minFactor;
        }
    }

    /** {@code t / steps} for the first {@code steps} updates, then {@code after} counted from the warm-up's end. */
    record Warmup(long steps, LearningRateSchedule after) implements LearningRateSchedule {
        /**
         * Checks the arguments.
         *
         * @param steps at least 1
         * @param after the schedule that follows
         */
        public Warmup {
            if (steps < 1) {
                throw new IllegalArgumentException("the warm-up must last at least 1 update, got " + steps);
            }
            if (after == null || after instanceof Warmup) {
                throw new IllegalArgumentException("a warm-up goes in front of one schedule that has none");
            }
        }

        @Override
        public double factor(long t) {
            return t <= steps ? (double) t / steps : after.factor(t - steps);
        }

        @Override
        public String spec() {
            return "warmup:" + steps + "+" + after.spec();
        }
    }

    private static void checkGamma(double gamma) {
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("the decay factor must be in (0, 1], got " + gamma);
        }
    }
}

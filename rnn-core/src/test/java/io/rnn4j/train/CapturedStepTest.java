package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Captured;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.diagnostics.NonFinitePolicy;
import io.rnn4j.nn.CellType;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The trainer's captured step (a CUDA graph on a GPU) on the CPU: a backend whose {@code capture}
 * records every call with its arguments frozen, as stream capture does, and refuses allocations,
 * transfers and synchronizations while it records. Training through it must give the same bits as
 * training directly, over batches that change what a capture freezes (the gradient factor of a
 * masked mean, the shape, the learning rate of a schedule, Adam's update count).
 */
class CapturedStepTest {
    /** Calls that a stream capture cannot contain. */
    private static final Set<String> REFUSED = Set.of("allocate", "allocateIndices", "upload", "uploadIndices",
            "download", "synchronize", "capture", "close");

    /** A CPU backend whose captures record the calls, arguments frozen, and replay them. */
    static class Recorder implements InvocationHandler {
        final Backend inner = new CpuBackend();
        List<Object[]> recording;
        int captures;
        int replays;

        Backend backend() {
            return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                    this);
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            if (m.getDeclaringClass() == Object.class) {
                return m.getName().equals("equals") ? proxy == args[0] : m.invoke(this, args);
            }
            if (m.getName().endsWith("RecurrentForward") && m.getReturnType() == boolean.class
                    || m.getName().endsWith("RecurrentBackward") && m.getReturnType() == boolean.class) {
                // The whole gated sweeps answer whether they ran, which a recording cannot know before its
                // replay: this backend runs the cells' steps, in both modes (the GPU's graph captures its sweeps).
                return false;
            }
            if (recording != null) {
                if (REFUSED.contains(m.getName())) {
                    throw new IllegalStateException(m.getName() + " inside a capture");
                }
                if (m.getName().equals("gatedUpdate") || m.getReturnType() == void.class) {
                    recording.add(new Object[] {m, args == null ? null : args.clone()});
                    return null;
                }
            }
            if (m.getName().equals("capture")) {
                return capture((Runnable) args[0]);
            }
            try {
                return m.invoke(inner, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private Captured capture(Runnable work) {
            recording = new ArrayList<>();
            try {
                work.run();
            } finally {
                captures++;
            }
            List<Object[]> calls = recording;
            recording = null;
            return new Captured() {
                @Override
                public void replay() {
                    replays++;
                    for (Object[] c : calls) {
                        try {
                            ((Method) c[0]).invoke(inner, (Object[]) c[1]);
                        } catch (ReflectiveOperationException e) {
                            throw new IllegalStateException(e.getCause());
                        }
                    }
                }

                @Override
                public void close() {
                }
            };
        }
    }

    private static Batch batch(int i, int steps, boolean masked) {
        int b = 3;
        int[] in = new int[b * steps];
        int[] out = new int[b * steps];
        for (int k = 0; k < in.length; k++) {
            in[k] = (k * 5 + i * 3) % 11;
            out[k] = (k * 7 + i) % 11;
        }
        Batch batch = Batch.tokensTimeMajor(b, steps, in, out);
        if (!masked) {
            return batch;
        }
        // Loss weights that change the mean's divisor from batch to batch (and not the lengths).
        float[] mask = new float[b * steps];
        java.util.Arrays.fill(mask, 1f);
        for (int k = 0; k <= i % 3; k++) {
            mask[k] = 0f;
        }
        return batch.withLossMask(mask);
    }

    /**
     * Batches that keep the key (replays), change the mean's divisor (loss masks of 2, 3, 1, 2
     * zeros: the divisor repeats, so a capture is made, then differs), change the shape, and come
     * back to the first shape.
     */
    private static List<Batch> batches() {
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int steps = i >= 10 && i < 13 ? 4 : 6;
            out.add(batch(i, steps, i >= 5 && i < 10));
        }
        return out;
    }

    private static float[][] train(Backend be, RnnConfig mc, TrainerConfig tc, List<Batch> batches,
                                   List<StepResult> results, Recorder rec) {
        try (RnnModel m = new RnnModel(be, mc); Trainer t = new Trainer(m, tc)) {
            for (Batch b : batches) {
                results.add(t.step(b));
            }
            if (rec != null) {
                assertTrue(rec.captures >= 2 && rec.replays > rec.captures, "captures " + rec.captures
                        + ", replays " + rec.replays + ": the test must exercise replays");
            }
            return new float[][] {m.parameters().downloadAll(), t.optimizerState(0), t.hiddenState()};
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void aCapturedStepTrainsExactlyAsTheDirectOne(CellType cell) {
        RnnConfig mc = RnnConfig.tokens(11, 6).cell(cell).layers(2).seed(5).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01))
                .schedule(LearningRateSchedule.stepDecay(4, 0.5)).reduction(Reduction.MEAN)
                .clipping(Clipping.globalNorm(0.5)).carryState(true).build();
        compare(mc, tc);
    }

    /** With a rate that changes every step too: the rate is read on the backend, so the capture replays. */
    @Test
    void theRegularizerAndBiasFreeModelsToo() {
        RnnConfig mc = RnnConfig.tokens(11, 6).biases(false).seed(9).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.rmsprop(0.01))
                .schedule(LearningRateSchedule.exponential(0.9)).regularizer(Regularizer.omega(0.5)).build();
        compare(mc, tc);
    }

    private static void compare(RnnConfig mc, TrainerConfig tc) {
        List<StepResult> direct = new ArrayList<>();
        List<StepResult> replayed = new ArrayList<>();
        Recorder rec = new Recorder();
        float[][] want = train(new CpuBackend(), mc, tc, batches(), direct, null);
        float[][] got = train(rec.backend(), mc, tc, batches(), replayed, rec);
        for (int i = 0; i < direct.size(); i++) {
            assertEquals(direct.get(i).loss(), replayed.get(i).loss(), 0.0, "loss of step " + i);
            assertEquals(direct.get(i).gradNorm(), replayed.get(i).gradNorm(), 0.0, "norm of step " + i);
            assertEquals(direct.get(i).learningRate(), replayed.get(i).learningRate(), 0.0, "rate of step " + i);
        }
        assertArrayEquals(want[0], got[0], "parameters");
        assertArrayEquals(want[1], got[1], "optimizer state");
        assertArrayEquals(want[2], got[2], "carried state");
    }

    @Test
    void aSkippedUpdateIsSkippedOnTheBackendAndCountsNothing() {
        RnnConfig mc = RnnConfig.tokens(11, 6).seed(5).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.adam(0.01))
                .nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build();
        Recorder rec = new Recorder();
        try (RnnModel m = new RnnModel(rec.backend(), mc); Trainer t = new Trainer(m, tc)) {
            Batch b = batch(0, 6, false);
            for (int i = 0; i < 3; i++) {
                t.step(b);
            }
            assertEquals(1, rec.captures);
            float[] before = m.parameters().downloadAll();
            float[] v = m.parameters().download("recurrentWeights");
            v[0] = Float.NaN;
            m.parameters().upload("recurrentWeights", v);
            before[(int) m.layout().entry("recurrentWeights").offset()] = Float.NaN;
            StepResult r = t.step(b);
            assertTrue(!r.updated() && r.nonFinite() != null, "the NaN step is reported as skipped: " + r);
            assertEquals(3, t.stepCount(), "a skipped update is not counted");
            assertArrayEquals(before, m.parameters().downloadAll(), "a skipped update changes no parameter");
            assertEquals(3, rec.replays, "the NaN step was a replay too: the gate ran on the backend");
        }
    }

    @Test
    void aStepThatCannotBeCapturedRunsDirectly() {
        // A recorder that refuses every capture as a GPU would refuse a synchronization inside one.
        Recorder rec = new Recorder() {
            @Override
            public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
                if (m.getName().equals("capture")) {
                    throw new IllegalStateException("synchronize inside a capture");
                }
                return super.invoke(proxy, m, args);
            }
        };
        RnnConfig mc = RnnConfig.tokens(11, 6).seed(5).build();
        TrainerConfig tc = TrainerConfig.builder().optimizer(OptimizerConfig.sgd(0.1, 0.9)).build();
        List<StepResult> direct = new ArrayList<>();
        List<StepResult> refused = new ArrayList<>();
        float[][] want = train(new CpuBackend(), mc, tc, batches(), direct, null);
        float[][] got = train(rec.backend(), mc, tc, batches(), refused, null);
        assertArrayEquals(want[0], got[0], "the steps ran directly, every one of them");
    }

    @Test
    void aCaptureMayNotTransferOrAllocate() {
        Recorder rec = new Recorder();
        Backend be = rec.backend();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> be.capture(() -> be.allocate(1, 1)));
        assertTrue(e.getMessage().contains("allocate inside a capture"), e.getMessage());
    }
}

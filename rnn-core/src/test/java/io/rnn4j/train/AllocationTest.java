package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.RnnConfig;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

/**
 * A training step allocates (almost) nothing on the Java heap once the workspace exists: only the
 * returned {@link StepResult}. Measured with the JVM's per-thread allocation counter, which counts
 * bytes, not time, in windows in which the JIT compiled nothing (on a loaded machine the JIT compiles
 * the Vector API kernels late, and until then they allocate), so the check is not sensitive to load.
 * It runs in both test runs, the scalar one and the one with the Vector API module. On the vector path
 * it guards the kernels' shape as well as the workspace: on JDK 17, a vector loop whose compilation
 * exceeds C2's node budget runs partly as the incubating API's Java fallback, which allocates (measured
 * before the loops were split: 6 KB to 57 MB a step; docs/PERFORMANCE.md).
 */
class AllocationTest {
    /**
     * Softmax rows wide enough for every vector loop of the softmax kernels and their tails: two
     * 64-float chunks of the maximum, a full 128-float block of the sum and a partial one.
     */
    private static final int VOCAB = 131;

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(io.rnn4j.nn.CellType.class)
    void aStepAllocatesOnlyItsResult(io.rnn4j.nn.CellType cell) {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "needs the HotSpot allocation counter");
        com.sun.management.ThreadMXBean hs = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(hs.isThreadAllocatedMemorySupported(), "thread allocation counting not supported");
        hs.setThreadAllocatedMemoryEnabled(true);
        SplittableRandom r = new SplittableRandom(1);
        int b = 8;
        int t = 12;
        int[] in = new int[b * t];
        int[] out = new int[b * t];
        for (int i = 0; i < in.length; i++) {
            in[i] = r.nextInt(VOCAB);
            out[i] = r.nextInt(VOCAB);
        }
        Batch batch = Batch.tokensTimeMajor(b, t, in, out).withLengths(new int[] {12, 11, 10, 9, 8, 7, 6, 5});
        CpuBackend backend = new CpuBackend();
        if (Boolean.getBoolean("rnn4j.test.vector")) {
            assertTrue(backend.description().contains("Vector API"),
                    "the vector test run must use the Vector API kernels: " + backend.description());
        }
        try (RnnModel model = new RnnModel(backend, RnnConfig.tokens(VOCAB, 16).cell(cell).build());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.adam(1e-3))
                     .carryState(true).build())) {
            for (int i = 0; i < 2000; i++) {
                trainer.step(batch); // warm up: workspace, JIT
            }
            // Until the JIT has compiled the kernels, the Vector API allocates its vectors (seen under load:
            // 18 KB a step). Wait until it is idle: a whole window of steps without compilation work (at
            // most two minutes; the check below then runs anyway and says what it saw).
            java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
            long deadline = System.nanoTime() + 120_000_000_000L;
            long compiled = timed ? jit.getTotalCompilationTime() : 0;
            while (timed && System.nanoTime() < deadline) {
                for (int i = 0; i < 300; i++) {
                    trainer.step(batch);
                }
                long now = jit.getTotalCompilationTime();
                if (now == compiled) {
                    break;
                }
                compiled = now;
            }
            long tid = Thread.currentThread().getId();
            int steps = 500;
            // the least of three windows in which the JIT did no work: an allocation in every step shows in
            // all of them, a one-off (a recompilation materializing an object it had scalar-replaced) in one
            long perStep = Long.MAX_VALUE;
            for (int window = 0, quiet = 0; quiet < 3 && window < 12; window++) {
                long jitBefore = timed ? jit.getTotalCompilationTime() : 0;
                long before = hs.getThreadAllocatedBytes(tid);
                for (int i = 0; i < steps; i++) {
                    trainer.step(batch);
                }
                long bytes = hs.getThreadAllocatedBytes(tid) - before;
                boolean jitWorked = timed && jit.getTotalCompilationTime() != jitBefore;
                if (!jitWorked || window >= 9) {
                    perStep = Math.min(perStep, bytes / steps);
                    quiet++;
                }
            }
            System.out.println(cell + ": heap bytes allocated per training step: " + perStep);
            assertTrue(perStep <= 96, cell + ": a step allocated " + perStep
                    + " bytes; only the StepResult (88 with compressed references) is expected");
        }
    }
}

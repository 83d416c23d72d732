package io.rnn4j.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reusable spinning barrier for the parts of one {@link CpuWorkers} call that must meet once per
 * time step (the column-split recurrences). Each part has its own thread, steps are tens to hundreds
 * of microseconds apart, so the parts spin (yielding now and then, for a machine with fewer free
 * cores than parts) instead of parking. A part that fails {@linkplain #breakAll() breaks} the
 * barrier, so that the others stop waiting and throw instead of spinning forever.
 */
final class StepBarrier {
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile int generation;
    private volatile boolean broken;
    private int parties;

    /**
     * Resets the barrier for a new call with {@code parties} parts; called before the parts start.
     *
     * @param parties the parts that meet at every step
     */
    void reset(int parties) {
        this.parties = parties;
        arrived.set(0);
        broken = false;
    }

    /** Waits until every part has arrived at this step. */
    void await() {
        int gen = generation;
        if (arrived.incrementAndGet() == parties) {
            arrived.set(0);
            generation = gen + 1; // releases the others
            return;
        }
        int spins = 0;
        while (generation == gen) {
            if (broken) {
                throw new IllegalStateException("another part of the recurrence failed");
            }
            if (++spins % 1024 == 0) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** Releases every waiting part with an exception (a part failed and will not arrive). */
    void breakAll() {
        broken = true;
    }
}

package io.rnn4j.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of helper threads for one CPU backend: {@link #run(Task, int)} splits a kernel into
 * parts, runs part 0 on the calling thread and the others on the helpers, and returns when all
 * are done. Nothing is allocated per call. Helpers spin briefly between calls (kernels of one
 * training step follow each other within microseconds), then park until the next call.
 */
final class CpuWorkers implements AutoCloseable {

    /** One parallel kernel: part {@code part} of {@code parts}. */
    interface Task {
        void run(int part, int parts);
    }

    private static final long SPIN_NANOS = 200_000;

    private final Worker[] workers;
    private final Thread[] threads;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Task task;
    private volatile int parts;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;

    /** A team of {@code threads − 1} helpers (none for one thread). */
    CpuWorkers(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        workers = new Worker[threads - 1];
        this.threads = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            Thread t = new Thread(workers[i], "rnn4j-cpu-worker-" + (i + 1));
            t.setDaemon(true);
            this.threads[i] = t;
            t.start();
        }
    }

    /** Threads that work on a call, the caller included. */
    int size() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task} in {@code n} parts ({@code 1 ≤ n ≤ size()}) and waits for all of them.
     * An exception in any part is rethrown here after every part has finished.
     */
    void run(Task t, int n) {
        if (n <= 1 || workers.length == 0) {
            t.run(0, 1);
            return;
        }
        if (closed) {
            throw new IllegalStateException("CPU backend closed");
        }
        int used = Math.min(n, size());
        failure = null;
        task = t;
        parts = used;
        pending.set(used - 1);
        generation++;
        for (int i = 0; i < used - 1; i++) {
            LockSupport.unpark(threads[i]);
        }
        Throwable mine = null;
        try {
            t.run(0, used);
        } catch (Throwable e) {
            mine = e;
        }
        while (pending.get() != 0) {
            Thread.onSpinWait();
        }
        task = null;
        Throwable f = mine != null ? mine : failure;
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error er) {
            throw er;
        }
        if (f != null) {
            throw new IllegalStateException(f);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }

    private final class Worker implements Runnable {
        private final int index;

        Worker(int index) {
            this.index = index;
        }

        @Override
        public void run() {
            long seen = 0;
            while (!closed) {
                long g = generation;
                if (g == seen) {
                    idle(seen);
                    continue;
                }
                seen = g;
                Task t = task;
                int n = parts;
                if (t == null || index >= n) {
                    continue;
                }
                try {
                    t.run(index, n);
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }

        private void idle(long seen) {
            long start = System.nanoTime();
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < 64) {
                    Thread.onSpinWait();
                    continue;
                }
                spins = 0;
                if (System.nanoTime() - start > SPIN_NANOS) {
                    LockSupport.park(this);
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }
}

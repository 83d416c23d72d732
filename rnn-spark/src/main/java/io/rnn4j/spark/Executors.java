package io.rnn4j.spark;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;
import io.rnn4j.backend.Backends;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
import org.apache.spark.TaskContext;

/**
 * The backend of a Spark task thread, created at its first task and kept for the next rounds
 * (Spark reuses its task threads): the backend {@link Backends} would choose on the executor
 * (CUDA where it has a GPU and {@code rnn-cuda} is on the class path), except that a CPU backend
 * gets as many threads as the task has cores ({@code spark.task.cpus}), so that concurrent tasks do
 * not oversubscribe the executor's cores.
 */
final class Executors {
    private static final ThreadLocal<Backend> BACKEND = ThreadLocal.withInitial(Executors::create);

    private Executors() {
    }

    static Backend backend() {
        return BACKEND.get();
    }

    private static Backend create() {
        BackendProvider p = Backends.selectProvider(Backends.forcedName(), Backends.providers());
        if (!p.name().equals("cpu")) {
            return Backends.create(p.name(), Backends.providers());
        }
        TaskContext tc = TaskContext.get();
        int cpus = tc == null ? 1 : Math.max(1, tc.cpus());
        return new CpuBackend(CpuBackendConfig.defaults().withThreads(cpus));
    }
}

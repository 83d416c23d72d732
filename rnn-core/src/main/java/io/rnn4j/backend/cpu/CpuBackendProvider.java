package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Availability;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;

/** Provider of the CPU backend: always available (it falls back to Java GEMM without OpenBLAS). */
public final class CpuBackendProvider implements BackendProvider {

    /** The name used by {@code -Drnn4j.backend=cpu}. */
    public static final String NAME = "cpu";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return CPU_PRIORITY;
    }

    @Override
    public Availability availability() {
        return Availability.ok();
    }

    @Override
    public Backend create() {
        return new CpuBackend(CpuBackendConfig.defaults());
    }
}

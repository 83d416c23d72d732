package io.rnn4j.backend.cuda;

import io.rnn4j.backend.Availability;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;
import io.rnn4j.backend.BackendUnavailableException;

/** Provider of the CUDA backend: priority 100, above the CPU backend; does no native work until asked. */
public final class CudaBackendProvider implements BackendProvider {
    /** The name used by {@code -Drnn4j.backend=cuda}. */
    public static final String NAME = "cuda";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability availability() {
        return CudaProbe.availability();
    }

    @Override
    public Backend create() {
        Availability a = availability();
        if (!a.available()) {
            throw new BackendUnavailableException("CUDA backend unavailable: " + a, a.cause());
        }
        return new CudaBackend(0);
    }
}

package io.rnn4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendProvider;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Provider discovery and selection. */
class BackendsTest {

    /** A provider that is never available, as a GPU provider is on a machine without a GPU. */
    static final class Absent implements BackendProvider {
        @Override
        public String name() {
            return "fake-gpu";
        }

        @Override
        public int priority() {
            return 100;
        }

        @Override
        public Availability availability() {
            return Availability.unavailable("no device: test stand-in", new UnsatisfiedLinkError("libfake.so"));
        }

        @Override
        public Backend create() {
            throw new BackendUnavailableException("fake-gpu is unavailable");
        }
    }

    /**
     * A provider that says it is available but fails to start, as a GPU backend whose kernels do not
     * compile (a missing NVRTC builtins library) does.
     */
    static final class Broken implements BackendProvider {
        int attempts;

        @Override
        public String name() {
            return "broken-gpu";
        }

        @Override
        public int priority() {
            return 50;
        }

        @Override
        public Availability availability() {
            return Availability.ok();
        }

        @Override
        public Backend create() {
            attempts++;
            throw new IllegalStateException("nvrtcCompileProgram failed: libnvrtc-builtins.so.13.0 not found");
        }
    }

    @Test
    void aProviderThatFailsToStartIsSkippedUnlessForced() {
        Broken broken = new Broken();
        List<BackendProvider> ps = new ArrayList<>(Backends.providers());
        ps.add(broken);
        ps.add(new Absent());
        try (Backend b = Backends.create(null, ps)) {
            assertEquals("cpu", b.name(), "falls back to the next available backend");
        }
        assertEquals(1, broken.attempts);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.create("broken-gpu", ps));
        assertTrue(e.getMessage().contains("'broken-gpu' was forced but failed to start: nvrtcCompileProgram failed"),
                e.getMessage());
        assertTrue(e.getCause() instanceof IllegalStateException);
        BackendUnavailableException none = assertThrows(BackendUnavailableException.class,
                () -> Backends.create(null, List.of(broken)));
        assertTrue(none.getMessage().contains("broken-gpu failed to start: java.lang.IllegalStateException"),
                none.getMessage());
    }

    @Test
    void forcingCudaWithoutTheModuleSaysWhichModuleIsMissing() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.create("cuda", Backends.providers()));
        assertTrue(e.getMessage().contains("io.rnn4j:rnn-cuda, which is not on the class path"), e.getMessage());
    }

    @Test
    void theCpuBackendIsFoundAndChosenWhenNothingElseIsOnTheClassPath() {
        List<BackendProvider> ps = Backends.providers();
        assertEquals(1, ps.size(), "only rnn-core is on this class path: " + ps);
        assertEquals(CpuBackendProvider.NAME, ps.get(0).name());
        BackendProvider p = Backends.selectProvider(null, ps);
        try (Backend b = p.create()) {
            assertTrue(b instanceof CpuBackend);
            assertEquals("cpu", b.name());
        }
    }

    @Test
    void forcingAnUnknownBackendListsEveryProviderAndWhy() {
        List<BackendProvider> ps = new ArrayList<>(Backends.providers());
        ps.add(new Absent());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.selectProvider("tpu", ps));
        String m = e.getMessage();
        assertTrue(m.contains("unknown backend 'tpu'"), m);
        assertTrue(m.contains("cpu (priority 0): available"), m);
        assertTrue(m.contains("fake-gpu (priority 100): no device: test stand-in"), m);
        assertThrows(BackendUnavailableException.class, () -> Backends.select("tpu"));
    }

    @Test
    void anUnavailableHigherPriorityProviderIsSkippedAndForcingItFails() {
        List<BackendProvider> ps = new ArrayList<>(Backends.providers());
        ps.add(new Absent());
        assertEquals("cpu", Backends.selectProvider(null, ps).name());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.selectProvider("FAKE-GPU", ps));
        assertTrue(e.getMessage().contains("forced but is unavailable: no device"), e.getMessage());
        assertTrue(e.getCause() instanceof UnsatisfiedLinkError);
        assertEquals("cpu", Backends.selectProvider("CPU", ps).name());
    }

    @Test
    void noProviderAtAll() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.selectProvider(null, List.of()));
        assertTrue(e.getMessage().contains("no backend is available"), e.getMessage());
    }

    @Test
    void systemPropertyForcesTheChoice() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, "nonexistent");
            assertEquals("nonexistent", Backends.forcedName());
            assertThrows(BackendUnavailableException.class, Backends::select);
            System.setProperty(Backends.PROPERTY, "cpu");
            try (Backend b = Backends.select()) {
                assertEquals("cpu", b.name());
            }
        } finally {
            if (old == null) {
                System.clearProperty(Backends.PROPERTY);
            } else {
                System.setProperty(Backends.PROPERTY, old);
            }
        }
    }
}

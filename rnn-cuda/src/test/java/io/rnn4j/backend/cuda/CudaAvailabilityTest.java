package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Availability;
import io.rnn4j.backend.BackendProvider;
import io.rnn4j.backend.BackendUnavailableException;
import io.rnn4j.backend.Backends;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The provider is found with rnn-cuda on the class path and says exactly why it cannot run. */
class CudaAvailabilityTest {

    @Test
    void providerIsDiscoveredAndRanksAboveTheCpu() {
        List<BackendProvider> ps = Backends.providers();
        assertEquals("cuda", ps.get(0).name(), "highest priority first: " + ps);
        assertTrue(ps.stream().anyMatch(p -> p.name().equals("cpu")));
    }

    @Test
    void availabilityIsExplainedAndSelectionFallsBack() {
        BackendProvider cuda = new CudaBackendProvider();
        Availability a = cuda.availability();
        System.out.println("CUDA availability on this machine: " + a);
        assertTrue(cuda.availability() == a, "probed once, cached");
        if (a.available()) {
            assertEquals("cuda", Backends.selectProvider(null, Backends.providers()).name());
            return;
        }
        assertFalse(a.reason().isBlank());
        assertTrue(a.reason().contains("CUDA") || a.reason().contains("cuBLAS") || a.reason().contains("NVRTC"),
                a.reason());
        assertEquals("cpu", Backends.selectProvider(null, Backends.providers()).name(), "falls back to the CPU");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.selectProvider("cuda", Backends.providers()));
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        assertThrows(BackendUnavailableException.class, cuda::create);
        // Asking again after a failed probe neither throws nor changes the answer.
        assertEquals(a, new CudaBackendProvider().availability());
    }
}

package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.Captured;
import io.rnn4j.backend.IndexBuffer;
import io.rnn4j.backend.Tensor;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.cuda.global.cudart;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend's host side against the device: transfers, threads and contexts, capture. Each test
 * failed before the fix it pins (issue 22's defects 1, 6 and 7). Runs on a GPU or on the emulated
 * device ({@link CudaTestSupport}).
 */
class CudaDeviceTest {
    @AfterEach
    void clear() {
        System.clearProperty(CudaSwitches.PREFIX + "asyncUploads");
        System.clearProperty(CudaSwitches.PREFIX + "graphs");
    }

    private static float[] values(int n, float base) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = base + i;
        }
        return v;
    }

    /**
     * Defect 1: with asynchronous uploads every upload after the first in a synchronization window was
     * copied from the wrong place in the staging memory (a positioned pointer passed as {@code void*} has
     * its position added in bytes).
     */
    @Test
    void asynchronousUploadsLandWhereTheyWereStaged() {
        System.setProperty(CudaSwitches.PREFIX + "asyncUploads", "true");
        try (CudaBackend be = CudaTestSupport.newBackend()) {
            Tensor a = be.allocate(3, 5);
            Tensor b = be.allocate(7, 11);
            Tensor c = be.allocate(1, 300);
            IndexBuffer ids = be.allocateIndices(9);
            Tensor gathered = be.allocate(9, 5);
            float[] va = values(15, 1);
            float[] vb = values(77, 100);
            float[] vc = values(300, -50);
            int[] vi = {2, 0, 1, 1, 2, 0, 0, 1, 2};
            be.upload(va, 0, a);
            be.upload(vb, 0, b);
            be.uploadIndices(vi, 0, ids, vi.length);
            be.upload(vc, 0, c);
            be.gatherRows(a, ids, 0, gathered, false);  // reads the uploaded ids on the device
            float[] out = new float[300];
            be.download(a, out, 0);
            assertArrayEquals(va, java.util.Arrays.copyOf(out, 15), "the first upload");
            be.download(b, out, 0);
            assertArrayEquals(vb, java.util.Arrays.copyOf(out, 77), "the second upload");
            be.download(c, out, 0);
            assertArrayEquals(vc, out, "the fourth upload");
            float[] g = new float[45];
            be.download(gathered, g, 0);
            for (int r = 0; r < 9; r++) {
                for (int k = 0; k < 5; k++) {
                    assertEquals(va[vi[r] * 5 + k], g[r * 5 + k], "gathered row " + r + ": the index upload");
                }
            }
        }
    }

    /**
     * Defect 6: the release steps ran on whatever context the closing thread had (the Cleaner's, another
     * thread's): a backend on device 1 closed from a fresh thread unloaded its module with device 0's
     * context current. Needs two devices (the emulated device has two in the build).
     */
    @Test
    void aBackendOnTheSecondDeviceClosesAndFreesFromFreshThreads() throws Exception {
        CudaTestSupport.assumeDevice();
        int[] n = new int[1];
        cudart.cudaGetDeviceCount(n);
        assumeTrue(n[0] >= 2, "one CUDA device here: the two-device case needs two");
        CudaBackend be = new CudaBackend(1);
        Tensor x = be.allocate(4, 4);
        Tensor y = be.allocate(4, 4);
        be.upload(values(16, 1), 0, x);
        be.gemm(y, x, false, x, true, 1f, 0f);
        float[] out = new float[16];
        be.download(y, out, 0);
        assertEquals(1 * 1 + 2 * 2 + 3 * 3 + 4 * 4, out[0], 1e-4);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                x.buffer().close();
                be.close();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("closing from a fresh thread failed: " + failure.get(), failure.get());
        }
        Thread u = new Thread(() -> {
            try {
                y.buffer().close();  // a buffer outliving its backend is freed on its own device
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        u.start();
        u.join();
        if (failure.get() != null) {
            throw new AssertionError("freeing from a fresh thread failed: " + failure.get(), failure.get());
        }
    }

    /**
     * Defect 7: the stream was created blocking, so that work on the legacy default stream (by any code
     * in the process) during a capture invalidated the captured step.
     */
    @Test
    void workOnTheLegacyDefaultStreamDoesNotBreakACapture() {
        System.setProperty(CudaSwitches.PREFIX + "graphs", "true");
        try (CudaBackend be = CudaTestSupport.newBackend()) {
            Tensor t = be.allocate(2, 8);
            Tensor other = be.allocate(1, 8);
            long otherAddress = be.addr(other);
            be.synchronize();
            Captured step = be.capture(() -> {
                be.fill(t, 3f);
                // Another library in the process uses the legacy default stream while the step is captured.
                CudaErrors.cuda(cudart.cudaMemsetAsync(new CudaBuffers.Address(otherAddress), 0, 32, null),
                        "cudaMemsetAsync on the legacy default stream");
                be.scale(t, 2f);
            });
            assertNotNull(step, "graphs are on");
            step.replay();
            float[] out = new float[16];
            be.download(t, out, 0);
            for (float v : out) {
                assertEquals(6f, v);
            }
            step.close();
        }
    }
}

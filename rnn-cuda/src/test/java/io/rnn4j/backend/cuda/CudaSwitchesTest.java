package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fast-path switches (all off unless asked for; {@code rnn4j.cuda.fast} turns all on, a
 * path's own property wins; graphs imply the device gate) and the persistent kernels' plan. No GPU
 * needed.
 */
class CudaSwitchesTest {
    private static final String[] NAMES = {"fast", "asyncUploads", "deviceGate", "graphs", "persistent",
        "clusters", "fastKernels"};

    @AfterEach
    void clear() {
        for (String n : NAMES) {
            System.clearProperty(CudaSwitches.PREFIX + n);
        }
    }

    @Test
    void everyPathIsOffByDefault() {
        CudaSwitches s = CudaSwitches.fromSystemProperties();
        assertEquals(new CudaSwitches(false, false, false, false, false, false), s);
        assertEquals("none", s.describe());
    }

    @Test
    void fastTurnsAllOnAndAPathsOwnPropertyWins() {
        System.setProperty(CudaSwitches.PREFIX + "fast", "true");
        System.setProperty(CudaSwitches.PREFIX + "persistent", "false");
        CudaSwitches s = CudaSwitches.fromSystemProperties();
        assertEquals(new CudaSwitches(true, true, true, false, false, true), s);
        assertEquals("asyncUploads, deviceGate, graphs, fastKernels", s.describe());
        System.setProperty(CudaSwitches.PREFIX + "persistent", "true");
        System.setProperty(CudaSwitches.PREFIX + "clusters", "false");
        s = CudaSwitches.fromSystemProperties();
        assertTrue(s.persistent() && !s.clusters(), "clusters can be turned off alone");
        System.clearProperty(CudaSwitches.PREFIX + "clusters");
        assertTrue(CudaSwitches.fromSystemProperties().clusters(), "clusters follow persistent");
    }

    @Test
    void graphsImplyTheDeviceGate() {
        System.setProperty(CudaSwitches.PREFIX + "graphs", "true");
        System.setProperty(CudaSwitches.PREFIX + "deviceGate", "false");
        CudaSwitches s = CudaSwitches.fromSystemProperties();
        assertTrue(s.graphs() && s.deviceGate(), "a captured step cannot download: the gate must be on the device");
        assertFalse(s.asyncUploads() || s.persistent() || s.clusters() || s.fastKernels());
    }

    @Test
    void thePersistentPlanFitsSharedMemoryAndTheMultiprocessors() {
        // H = 512 on 132 SMs: 128 blocks of 4 columns, 8 KiB of U each.
        assertEquals(4, CudaRecurrences.columnsPerBlock(512, 132));
        // H = 512 on 8 SMs: 64 columns would need 128 KiB: 24 columns (48 KiB), 22 blocks (the driver is asked).
        assertEquals(24, CudaRecurrences.columnsPerBlock(512, 8));
        // H = 128 on 132 SMs: 32 blocks of 4.
        assertEquals(4, CudaRecurrences.columnsPerBlock(128, 132));
        // H = 2048 on 132 SMs: 16 columns would need 128 KiB: 6 columns, 342 blocks.
        assertEquals(6, CudaRecurrences.columnsPerBlock(2048, 132));
        // H = 16384: not one row of U in 48 KiB.
        assertEquals(0, CudaRecurrences.columnsPerBlock(16384, 132));
        for (int h : new int[] {1, 7, 64, 100, 256, 512, 1000, 1024, 1500, 4096}) {
            int cw = CudaRecurrences.columnsPerBlock(h, 132);
            assertTrue(cw >= 1 && 4L * cw * h <= CudaRecurrences.SHARED_LIMIT, "H " + h + ": U's slice fits");
            assertTrue(h < 4 * 132 || (h + cw - 1) / cw >= 0.9 * 132, "H " + h + ": nine in ten multiprocessors have work");
        }
    }

    @Test
    void theClusterPlanSpreadsTheBatchAndFitsSharedMemory() {
        long h200 = 232_448; // the opt-in shared memory per block of sm_90
        // C6 (B 8, H 512) on 132 SMs: 16 clusters' worth, one row each, 130.5 KiB per block.
        assertEquals(1, CudaRecurrences.rowsPerCluster(512, 8, 132, h200));
        assertEquals(133_632, CudaRecurrences.clusterBytes(512, 1));
        assertEquals(4, CudaRecurrences.rowsPerCluster(512, 64, 132, h200), "C3: 64 rows over 16 clusters");
        assertEquals(32, CudaRecurrences.rowsPerCluster(512, 512, 132, h200), "B 512: 32 rows, 208 KiB");
        assertEquals(4, CudaRecurrences.rowsPerCluster(128, 50, 132, h200), "C1");
        // Too many rows for the shared memory: fewer rows per cluster, more clusters (they run in waves).
        assertEquals(39, CudaRecurrences.rowsPerCluster(512, 4096, 132, h200));
        assertTrue(CudaRecurrences.clusterBytes(512, 39) <= h200 && CudaRecurrences.clusterBytes(512, 40) > h200);
        assertEquals(0, CudaRecurrences.rowsPerCluster(1024, 8, 132, h200), "U's eighth of H 1024 is 512 KiB");
        assertEquals(0, CudaRecurrences.rowsPerCluster(100, 8, 132, h200), "H must split into eight");
        assertEquals(0, CudaRecurrences.rowsPerCluster(512, 8, 132, 0), "clusters off: no shared memory granted");
    }

    @Test
    void theGatedPlanKeepsAllGatesOfAUnitInOneBlock() {
        // LSTM H 512 on 132 SMs: 4 units a block, 4·4·512 floats = 32 KiB of U; GRU: 24 KiB.
        assertEquals(4, CudaRecurrences.columnsPerBlock(512, 132, 4));
        assertEquals(4, CudaRecurrences.columnsPerBlock(512, 132, 3));
        // LSTM H 1024: 8 units would need 128 KiB: 3 units (48 KiB), 342 blocks (the driver is asked).
        assertEquals(3, CudaRecurrences.columnsPerBlock(1024, 132, 4));
        assertEquals(0, CudaRecurrences.columnsPerBlock(4096, 132, 4), "not one unit's four rows of U fit");
    }
}

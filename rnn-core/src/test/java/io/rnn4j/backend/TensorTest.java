package io.rnn4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void viewsAndBounds() {
        try (CpuBackend be = new CpuBackend()) {
            Tensor t = be.allocate(6, 4);
            Tensor rows = t.rows(2, 3);
            assertEquals(8, rows.offset());
            assertEquals(3, rows.rows());
            Tensor cols = rows.cols(1, 2);
            assertEquals(9, cols.offset());
            assertEquals(4, cols.rowStride());
            assertFalse(cols.isContiguous());
            assertTrue(rows.isContiguous());
            assertTrue(rows.overlaps(cols));
            assertFalse(t.rows(0, 2).overlaps(t.rows(2, 2)));
            assertEquals(t.rows(0, 2).reshape(1, 8).cols(), 8);
            assertThrows(IndexOutOfBoundsException.class, () -> t.rows(5, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> t.cols(3, 2));
            assertThrows(IllegalArgumentException.class, () -> cols.reshape(1, 6));
            assertThrows(IllegalArgumentException.class, () -> new Tensor(t.buffer(), 20, 2, 4, 4));
            assertThrows(IllegalArgumentException.class, () -> new Tensor(t.buffer(), 0, 2, 4, 3));
            t.buffer().close();
        }
    }
}

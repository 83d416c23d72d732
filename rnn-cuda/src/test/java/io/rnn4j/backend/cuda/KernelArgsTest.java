package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The argument block of a launch, on the host (no GPU needed). */
class KernelArgsTest {

    @Test
    void valuesLandInTheirSlotsAndEveryLaunchStartsAtSlotZero() {
        try (KernelArgs a = new KernelArgs()) {
            a.begin().ptr(0x1234_5678_9abcL).i32(-2).f32(1.5f).i64(1L << 40);
            assertEquals(4, a.count());
            assertEquals(0x1234_5678_9abcL, a.slotValue(0));
            assertEquals(0xffff_fffeL, a.slotValue(1), "a 4-byte int in the low half, the high half zero");
            assertEquals(Float.floatToRawIntBits(1.5f) & 0xffff_ffffL, a.slotValue(2));
            assertEquals(1L << 40, a.slotValue(3));
            // A launch whose argument collection failed half-way (a foreign tensor, say) ...
            a.begin().ptr(7);
            assertEquals(1, a.count());
            // ... does not shift the next launch's arguments.
            a.begin().i32(42);
            assertEquals(1, a.count());
            assertEquals(42, a.slotValue(0));
            for (int i = 0; i < KernelArgs.SLOTS; i++) {
                assertEquals(a.params().get(i).address(), a.params().get(0).address() + 8L * i,
                        "pointer " + i + " aims at slot " + i);
            }
        }
    }

    @Test
    void tooManyArgumentsAreRefused() {
        try (KernelArgs a = new KernelArgs()) {
            a.begin();
            for (int i = 0; i < KernelArgs.SLOTS; i++) {
                a.i32(i);
            }
            assertThrows(IllegalStateException.class, () -> a.i32(99));
        }
    }
}

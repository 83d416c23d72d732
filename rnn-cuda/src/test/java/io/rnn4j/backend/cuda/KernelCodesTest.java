package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.UpdateRule;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The activation and optimizer codes cross into the CUDA kernels by name, never as enum ordinals:
 * every constant has a distinct nonzero code, the compiled source defines each, and the kernels'
 * switches use the names only.
 */
class KernelCodesTest {

    @Test
    void everyActivationAndOptimizerHasADistinctNamedCode() {
        Set<Integer> seen = new HashSet<>();
        for (Activation a : Activation.values()) {
            int c = KernelCodes.activation(a);
            assertTrue(c > 0 && seen.add(c), a + " code " + c);
            assertTrue(KernelCodes.defines().contains("#define RNN4J_ACT_" + a.name() + " " + c + "\n"), a.name());
            assertTrue(KernelSource.file("kernels.cu").contains("RNN4J_ACT_" + a.name()), "kernels.cu handles " + a);
        }
        seen.clear();
        for (UpdateRule.Kind k : UpdateRule.Kind.values()) {
            int c = KernelCodes.optimizer(k);
            assertTrue(c > 0 && seen.add(c), k + " code " + c);
            assertTrue(KernelCodes.defines().contains("#define RNN4J_OPT_" + k.name() + " " + c + "\n"), k.name());
            assertTrue(KernelSource.file("kernels.cu").contains("RNN4J_OPT_" + k.name()), "kernels.cu handles " + k);
        }
    }

    @Test
    void theKernelsNeverSwitchOnANumber() {
        for (String file : new String[] {"kernels.cu", "fast.cu", "persistent.cu"}) {
            assertFalse(Pattern.compile("case\\s+[0-9]").matcher(KernelSource.file(file)).find(),
                    "a numeric case label in " + file + ": use the RNN4J_* names");
        }
        assertTrue(KernelSource.text().startsWith(KernelCodes.defines()), "the defines come first");
    }

    @Test
    void anUnknownCodeReportedByAKernelBecomesAMessage() {
        String m = KernelCodes.describeError((2 << 16) | 9);
        assertEquals("the CUDA kernel act_backward received the unknown code 9 (the kernels and the Java backend "
                + "disagree; the results of this step are wrong)", m);
    }
}

package io.rnn4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The executable jars' relaunch with the Vector API module: when it happens, and what the child gets. */
class VectorRelaunchTest {
    private static final boolean HERE = ModuleLayer.boot().findModule(VectorRelaunch.MODULE).isPresent();

    /** A program that relaunches itself as the jars' mains do, and reports what its JVM has. */
    public static final class Probe {
        public static void main(String[] args) {
            java.util.OptionalInt child = VectorRelaunch.relaunch(Probe.class, args);
            if (child.isPresent()) {
                System.exit(child.getAsInt());
            }
            System.out.println("vector=" + ModuleLayer.boot().findModule(VectorRelaunch.MODULE).isPresent()
                    + " args=" + String.join("|", args) + " prop=" + System.getProperty("probe.prop"));
            System.exit(Integer.parseInt(args[0]));
        }
    }

    @Test
    void aJvmWithTheModuleOrSwitchedOffRunsItself() {
        if (HERE) {
            assertNull(VectorRelaunch.command(Probe.class, new String[] {"x"}), "the module is already there");
            return;
        }
        List<String> cmd = VectorRelaunch.command(Probe.class, new String[] {"a b", "--c"});
        assertTrue(cmd != null, "a JVM without the module relaunches");
        int i = cmd.indexOf("--add-modules");
        assertTrue(i > 0 && cmd.get(i + 1).equals(VectorRelaunch.MODULE), cmd.toString());
        assertEquals(List.of(Probe.class.getName(), "a b", "--c"), cmd.subList(cmd.size() - 3, cmd.size()));
        assertTrue(cmd.contains("-D" + VectorRelaunch.CHILD + "=true"), "the child never relaunches: " + cmd);
        for (String[] kv : new String[][] {{VectorRelaunch.PROPERTY, "false"}, {"rnn4j.cpu.vector", "false"},
            {VectorRelaunch.CHILD, "true"}}) {
            System.setProperty(kv[0], kv[1]);
            try {
                assertNull(VectorRelaunch.command(Probe.class, new String[0]), "-D" + kv[0] + "=" + kv[1]);
            } finally {
                System.clearProperty(kv[0]);
            }
        }
    }

    /** A plain JVM runs the program in a child with the module: its output, arguments, options and status. */
    @Test
    void theChildHasTheModuleTheArgumentsTheOptionsAndGivesItsStatus() throws Exception {
        assumeTrue(!HERE, "this JVM has the module (the vector-kernels run): nothing to relaunch");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Dprobe.prop=kept", "-cp", System.getProperty("java.class.path"),
                Probe.class.getName(), "3", "two words").redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        int status = p.waitFor();
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(3, status, "the child's exit status: " + text);
        assertTrue(text.contains("vector=true args=3|two words prop=kept"), text);
    }
}

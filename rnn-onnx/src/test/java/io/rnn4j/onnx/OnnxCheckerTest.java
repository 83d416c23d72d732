package io.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX's own checker ({@code onnx.checker.check_model(full_check=True)}: the spec's structural rules
 * and its shape inference) accepts every kind of exported graph. Needs a Python with the {@code onnx}
 * package (.ci/run installs Debian's python3-onnx); without one the test says so and is skipped.
 */
class OnnxCheckerTest {
    private static final String CHECK = "import onnx, sys\n"
            + "for f in sys.argv[1:]:\n"
            + "    m = onnx.load(f)\n"
            + "    onnx.checker.check_model(m, full_check=True)\n"
            + "    print('ok', f, m.opset_import[0].version, ','.join(sorted({n.op_type for n in m.graph.node})))\n";

    @TempDir
    Path dir;

    static String python() {
        for (String p : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process pr = new ProcessBuilder(p, "-c", "import onnx").redirectErrorStream(true).start();
                pr.getInputStream().readAllBytes();
                if (pr.waitFor(60, TimeUnit.SECONDS) && pr.exitValue() == 0) {
                    return p;
                }
            } catch (java.io.IOException | InterruptedException e) {
                // try the next
            }
        }
        return null;
    }

    @Test
    void onnxsCheckerAcceptsEveryKindOfGraph() throws Exception {
        String py = python();
        if (py == null) {
            System.out.println("OnnxCheckerTest skipped: no Python with the onnx package"
                    + " (apt-get install python3-onnx)");
        }
        assumeTrue(py != null, "no Python with the onnx package");
        List<String> cmd = new ArrayList<>(List.of(py, "-c", CHECK));
        int n = 0;
        for (OnnxExportTest.Kind k : OnnxExportTest.kinds()) {
            for (boolean bi : new boolean[] {false, true}) {
                for (boolean tokens : new boolean[] {true, false}) {
                    RnnConfig c = OnnxExportTest.config(k, 2, bi, tokens);
                    try (RnnModel m = new RnnModel(new CpuBackend(), c)) {
                        Path f = dir.resolve("m" + n++ + ".onnx");
                        OnnxExport.write(m, f, OnnxExport.Options.defaults().withStateInputs(n % 2 == 0));
                        cmd.add(f.toString());
                    }
                }
            }
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the checker did not finish");
        assertEquals(0, p.exitValue(), "onnx.checker refused a graph:\n" + out);
        assertEquals(n, out.lines().filter(l -> l.startsWith("ok ")).count(), out);
        assertTrue(out.contains("Scan") && out.contains("LSTM") && out.contains("GRU") && out.contains("RNN"), out);
        System.out.println("onnx.checker (full_check) accepted " + n + " exported graphs");
    }
}

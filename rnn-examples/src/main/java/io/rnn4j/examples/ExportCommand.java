package io.rnn4j.examples;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.onnx.OnnxExport;
import io.rnn4j.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code export}: an rnn4j checkpoint as an ONNX model (for ONNX Runtime and the other ONNX runtimes). */
@Command(name = "export", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"Export an rnn4j checkpoint as an ONNX model (opset " + OnnxExport.OPSET + ").", "",
            "Inputs: tokens int64 [T, B] (or inputs float [T, B, D]) and h0 (c0 for the LSTM) [L·dirs, B, H]; "
                + "outputs: logits [T, B, O] and hn (cn). Feed hn back as h0 to stream one step at a time."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "FILE", required = true, description = "an rnn4j checkpoint")
    Path checkpoint;
    @Option(names = "--onnx", paramLabel = "FILE", required = true, description = "the ONNX file to write")
    Path onnx;
    @Option(names = "--no-state-inputs", description = "no h0/c0 inputs: every sequence starts from zero states")
    boolean noStateInputs;

    @Override
    public Integer call() throws Exception {
        Path parent = onnx.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw Cli.usage(spec, "--onnx: the folder " + parent + " does not exist");
        }
        try (Backend be = new CpuBackend(); Trainer trainer = Checkpoint.load(checkpoint, be);
             var model = trainer.model()) {
            OnnxExport.write(model, onnx, OnnxExport.Options.defaults().withStateInputs(!noStateInputs));
            RnnConfig c = model.config();
            spec.commandLine().getOut().printf("wrote %s: %s, %d layer(s)%s, H %d; operators: %s%n", onnx,
                    c.cell(), c.layers(), c.bidirectional() ? " bidirectional" : "", c.hiddenSize(),
                    OnnxExport.operators(c));
        }
        return 0;
    }
}

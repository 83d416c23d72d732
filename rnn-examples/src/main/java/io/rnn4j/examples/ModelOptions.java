package io.rnn4j.examples;

import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The per-matrix initializers the studies share (a picocli mixin): each one given replaces the
 * study's choice for that matrix only ({@code --init} keeps its meaning in each study).
 */
final class ModelOptions {
    @Option(names = "--init-input", paramLabel = "SPEC", converter = Cli.InitConverter.class,
            description = "initializer of the input weights W (e.g. glorot, normal:0.01, uniform:0.1)")
    Init input;
    @Option(names = "--init-recurrent", paramLabel = "SPEC", converter = Cli.InitConverter.class,
            description = "initializer of the recurrent weights U (e.g. orthogonal, identity:1, glorot)")
    Init recurrent;
    @Option(names = "--init-output", paramLabel = "SPEC", converter = Cli.InitConverter.class,
            description = "initializer of the output weights V")
    Init output;

    /** {@code b} with the initializers given; a combination the model refuses is a usage error. */
    RnnConfig build(CommandSpec spec, RnnConfig.Builder b) {
        if (input != null) {
            b.inputInit(input);
        }
        if (recurrent != null) {
            b.recurrentInit(recurrent);
        }
        if (output != null) {
            b.outputInit(output);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw Cli.usage(spec, e.getMessage());
        }
    }

    /** Whether any initializer was given (a resumed run cannot honour it). */
    boolean any() {
        return input != null || recurrent != null || output != null;
    }
}

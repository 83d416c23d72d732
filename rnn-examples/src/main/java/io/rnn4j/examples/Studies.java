package io.rnn4j.examples;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.train.Trainer;
import java.util.Locale;

/** Shared pieces of the studies: model kinds, backends, evaluation. */
final class Studies {
    private Studies() {
    }

    /** A named recurrent model of the studies: activation and recurrent initializer. */
    record ModelKind(String name, Activation activation, Init recurrent) {
        static ModelKind parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "tanh" -> new ModelKind("tanh", Activation.TANH, Init.uniformInvSqrtHidden());
                case "logistic", "sigmoid" -> new ModelKind("logistic", Activation.LOGISTIC, Init.uniformInvSqrtHidden());
                case "relu" -> new ModelKind("relu", Activation.RELU, Init.uniformInvSqrtHidden());
                case "irnn" -> new ModelKind("irnn", Activation.RELU, Init.identity(1.0));
                case "prelu" -> new ModelKind("prelu", Activation.PRELU, Init.uniformInvSqrtHidden());
                case "linear", "identity" -> new ModelKind("linear", Activation.IDENTITY, Init.uniformInvSqrtHidden());
                default -> throw new IllegalArgumentException("unknown model '" + s
                        + "' (expected tanh, logistic, relu, irnn, prelu or linear)");
            };
        }
    }

    static Backend backend(String name) {
        return name == null || name.isEmpty() ? Backends.select() : Backends.select(name);
    }

    /** A dense-input model for the adding problem (2 inputs, 1 output). */
    static RnnConfig addingModel(int hidden, Activation f, Init recurrent, long seed) {
        Init small = f == Activation.RELU && recurrent.kind() == Init.Kind.IDENTITY ? Init.normal(0.001) : Init.glorot();
        return RnnConfig.dense(2, hidden, 1).activation(f).recurrentInit(recurrent).inputInit(small)
                .outputInit(Init.glorot()).seed(seed).build();
    }

    /** Mean of the reduced loss over test batches. */
    static double evaluate(Trainer trainer, Batch[] test) {
        double s = 0;
        for (Batch b : test) {
            s += trainer.evaluate(b);
        }
        return s / test.length;
    }

    static RnnModel model(Backend backend, RnnConfig c) {
        return new RnnModel(backend, c);
    }
}

package io.rnn4j.examples;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small demo: {@code char-rnn} on the built-in 2 KB text with settings that learn it in about
 * a second (truncated BPTT with the state carried, Adam, global-norm clipping), then a sample.
 */
final class DemoCommand implements Command {
    private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("steps", "1000");
        OPTIONS.put("hidden", "128");
        OPTIONS.put("batch", "16");
        OPTIONS.put("seq", "32");
        OPTIONS.put("cell", "elman");
        OPTIONS.put("activation", "tanh");
        OPTIONS.put("optimizer", "adam");
        OPTIONS.put("lr", "0.005");
        OPTIONS.put("clip", "global:5");
        OPTIONS.put("seed", "1");
        OPTIONS.put("report", "100");
        OPTIONS.put("sample", "300");
        OPTIONS.put("temperature", "0.5");
        OPTIONS.put("out", "out/demo");
        OPTIONS.put("backend", "");
    }

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "a character-level RNN learns a short built-in text in about a second, then samples it";
    }

    @Override
    public String help() {
        return """
                usage: java -jar rnn-examples.jar demo [options]

                char-rnn on a built-in 2 KB text: mean cross-entropy per character, truncated BPTT with the
                state carried, global-norm clipping, Adam; prints the loss as it falls and a sample. For
                your own text and every option, use char-rnn.

                options (default in brackets):
                  --steps N          training steps [1000]
                  --hidden H         hidden units [128]
                  --batch B          sequences per batch [16]
                  --seq T            BPTT window length [32]
                  --cell C           elman | lstm | gru [elman]
                  --activation F     tanh | logistic | relu | prelu | identity [tanh]
                  --optimizer NAME   sgd | momentum | adagrad | rmsprop | adam [adam]
                  --lr X             learning rate [0.005]
                  --clip MODE        none | global:THETA | value:C [global:5]
                  --seed N           initialization and sampling seed [1]
                  --report N         print a line every N steps [100]
                  --sample N         characters to sample at the end [300]
                  --temperature X    sampling temperature, 0 = greedy [0.5]
                  --out DIR          output folder [out/demo]
                  --backend NAME     force a backend
                """;
    }

    @Override
    public int run(List<String> argv, PrintStream out) throws Exception {
        Args a = new Args(argv, OPTIONS);
        List<String> args = new java.util.ArrayList<>(List.of("--text", CharRnnCommand.BUILTIN, "--smoothing", "0.95",
                "--sample-every", "0", "--steps", a.get("steps"), "--hidden", a.get("hidden"), "--batch", a.get("batch"),
                "--seq", a.get("seq"), "--cell", a.get("cell"), "--activation", a.get("activation"), "--optimizer",
                a.get("optimizer"), "--lr", a.get("lr"), "--clip", a.get("clip"), "--seed", a.get("seed"),
                "--print-every", a.get("report"), "--sample-length", a.get("sample"), "--temperature",
                a.get("temperature"), "--out", a.get("out")));
        if (!a.get("backend").isEmpty()) {
            args.addAll(List.of("--backend", a.get("backend")));
        }
        return new CharRnnCommand().run(args, out);
    }
}

package io.rnn4j.examples;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tour}: about a minute of reduced vanishing, exploding and adding studies, explained. */
@Command(name = "tour", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"A one-minute tour: vanishing and exploding gradients and the adding problem, with plots.", "",
            "Runs reduced versions of vanishing, exploding and adding (about a minute on 2 cores), prints what each "
                + "shows and where its CSV files and plots are."})
final class TourCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder")
    Path root = Path.of("out/tour");
    @Option(names = "--backend", paramLabel = "NAME", description = "force a backend (cpu, cuda; default: the best available)")
    String backend = "";

    private int run(Object command, String... args) {
        return Cli.commandLine(command, spec.commandLine().getOut(), spec.commandLine().getErr()).execute(args);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        out.println("== 1. Vanishing gradients ==========================================================");
        out.println("How strongly does the loss at the last step reach back to earlier hidden states? For each");
        out.println("model, ‖∂E_T/∂h_k‖ relative to its value at the last step, against the lag T − k.");
        int rc = run(new VanishingCommand(), "--T", "60", "--hidden", "32", "--train-steps", "300", "--out",
                root.resolve("vanishing").toString(), "--backend", backend);
        if (rc != 0) {
            return rc;
        }
        out.println("Reading: tanh and logistic fall geometrically (logistic fastest: f' ≤ 1/4), so an early input");
        out.println("barely moves the weights; the LSTM's additive cell path loses the gradient far more slowly, and");
        out.println("the IRNN (ReLU, U = I) keeps the ratio near 1 at every lag.");
        out.println();
        out.println("== 2. Exploding gradients ==========================================================");
        out.println("A ReLU network whose U starts with spectral radius 2, trained by SGD on the adding problem without");
        out.println("and with global-norm clipping at 1.");
        rc = run(new ExplodingCommand(), "--steps", "300", "--out", root.resolve("exploding").toString(), "--backend",
                backend);
        if (rc != 0) {
            return rc;
        }
        out.println("Reading: without clipping the first update is so large that every later step overflows (counted as");
        out.println("non-finite, its update skipped); with clipping each update is at most 1 long, in the same direction,");
        out.println("and the same network trains: the norm falls and the loss goes down.");
        out.println();
        out.println("== 3. The adding problem ===========================================================");
        out.println("Add the two marked numbers of a sequence of 30; the constant predictor scores 1/6 ≈ 0.167.");
        rc = run(new AddingCommand(), "--T", "30", "--hidden", "64", "--model", "irnn", "--steps", "3000", "--lr",
                "0.001", "--seeds", "1,2", "--eval-every", "250", "--out", root.resolve("adding").toString(), "--backend",
                backend);
        if (rc != 0) {
            return rc;
        }
        out.println("Reading: an MSE well below 1/6 means the net carries both marked values across the sequence.");
        out.printf("%ntour done in %.0f s; plots in %s (vanishing/*.png, exploding/*.png, adding/adding.png)%n",
                (System.nanoTime() - t0) / 1e9, root.toAbsolutePath());
        return 0;
    }
}

package io.rnn4j.internal;

import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The CPU fast path for rnn4j's executable jars without a flag: when the JVM was started without the
 * {@code jdk.incubator.vector} module (the README's plain {@code java -jar …}), {@link #relaunch} starts
 * the same program once more in a child JVM with {@code --add-modules jdk.incubator.vector}, the same JVM
 * options, class path, main class and arguments, its standard streams inherited, and answers its exit
 * status; the caller exits with it. Nothing happens (empty answer) when the module is already there,
 * when the runtime has no such module (a jlinked image without it), when the JVM options switch the
 * vector kernels off ({@code -Drnn4j.cpu.vector=false}), when {@code -Drnn4j.relaunch=false} or the
 * environment variable {@code RNN4J_RELAUNCH=false} asks for the plain JVM, inside the child itself, or
 * when the child cannot be started (the program then runs as it is, on the scalar kernels).
 *
 * <p>Only for programs that own their JVM (the examples' and benchmarks' {@code main}); a library never
 * relaunches, and neither does a Spark driver (spark-submit owns it: pass the flag in
 * {@code spark.driver.extraJavaOptions}). The child's results differ from the plain JVM's only by float
 * rounding (the packed GEMMs add in another order). <b>Not API.</b>
 */
public final class VectorRelaunch {
    /** The module that brings the Vector API. */
    static final String MODULE = "jdk.incubator.vector";
    /** {@code -Drnn4j.relaunch=false} (or {@code RNN4J_RELAUNCH=false}) keeps the plain JVM. */
    public static final String PROPERTY = "rnn4j.relaunch";
    /** Set in the child, so that it never relaunches again. */
    static final String CHILD = "rnn4j.relaunched";

    private VectorRelaunch() {
    }

    /**
     * Runs {@code main} with {@code args} in a child JVM with the vector module when that is called for
     * (see the class comment), and answers the child's exit status; empty when the caller should go on
     * in this JVM.
     */
    public static OptionalInt relaunch(Class<?> main, String[] args) {
        List<String> command = command(main, args);
        if (command == null) {
            return OptionalInt.empty();
        }
        Process child;
        try {
            child = new ProcessBuilder(command).inheritIO().start();
        } catch (java.io.IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
        Thread reaper = new Thread(child::destroy, "rnn4j-relaunch-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        while (true) {
            try {
                int status = child.waitFor();
                try {
                    Runtime.getRuntime().removeShutdownHook(reaper);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway; the child has ended
                }
                return OptionalInt.of(status);
            } catch (InterruptedException e) {
                // keep waiting: the child owns the work; a signal reaches it too
            }
        }
    }

    /** The child's command line, or null when this JVM should run the program itself. */
    static List<String> command(Class<?> main, String[] args) {
        if (ModuleLayer.boot().findModule(MODULE).isPresent() || Boolean.getBoolean(CHILD)
                || "false".equalsIgnoreCase(System.getProperty(PROPERTY))
                || "false".equalsIgnoreCase(System.getenv("RNN4J_RELAUNCH"))
                || "false".equalsIgnoreCase(System.getProperty("rnn4j.cpu.vector"))
                || ModuleFinder.ofSystem().find(MODULE).isEmpty()) {
            return null;
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classPath = System.getProperty("java.class.path");
        if (!Files.isExecutable(java) || classPath == null || classPath.isEmpty()) {
            return null;
        }
        List<String> jvmOptions;
        try {
            jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
        } catch (RuntimeException | LinkageError e) {
            return null;  // no java.management module: the options cannot be carried over
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        for (String o : jvmOptions) {
            // A debugger's agent would bind its port twice; the child runs without it.
            if (!o.startsWith("-agentlib:jdwp") && !o.startsWith("-Xrunjdwp")) {
                cmd.add(o);
            }
        }
        cmd.add("--add-modules");
        cmd.add(MODULE);
        cmd.add("-D" + CHILD + "=true");
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}

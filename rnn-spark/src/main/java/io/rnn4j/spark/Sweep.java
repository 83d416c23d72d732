package io.rnn4j.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;

/**
 * A grid of independent training runs as Spark tasks, one task per run, results collected in the
 * grid's order. A failed task is retried by Spark; a run is a pure function of its description (its
 * seeds included), so a retry reproduces it.
 */
public final class Sweep {
    private Sweep() {
    }

    /**
     * Runs {@code run} on every description, in parallel across the cluster.
     *
     * @param sc the Spark context
     * @param runs the descriptions, one task each
     * @param run what a task does with its description (serializable: a static method reference or a
     *     lambda that captures nothing else)
     * @param <S> the description's type
     * @param <R> the result's type
     * @return the results, in the order of {@code runs}
     */
    public static <S extends Serializable, R extends Serializable> List<R> run(JavaSparkContext sc, List<S> runs,
                                                                            Function<S, R> run) {
        if (runs.isEmpty()) {
            return List.of();
        }
        return sc.parallelize(runs, runs.size()).map(run).collect();
    }
}

package io.rnn4j.spark;

import org.apache.spark.TaskContext;

/**
 * Fault injection for the tests and for trying a cluster's retry settings: with
 * {@code -Drnn4j.spark.failOnce=ROUND:PARTITION} (or {@link #failOnce}), the first attempt of that
 * partition's task in that round throws; Spark's retry (the attempt number above 0) then runs normally.
 */
final class Faults {
    static final String PROPERTY = "rnn4j.spark.failOnce";
    private static volatile String rule = System.getProperty(PROPERTY);

    private Faults() {
    }

    /** Injects a failure of the first attempt of {@code partition}'s task in {@code round} (null: none). */
    static void failOnce(Long round, Integer partition) {
        rule = round == null ? null : round + ":" + partition;
    }

    static void maybeFail(long round) {
        String r = rule;
        TaskContext tc = TaskContext.get();
        if (r == null || tc == null || tc.attemptNumber() > 0) {
            return;
        }
        if (r.equals(round + ":" + tc.partitionId())) {
            throw new IllegalStateException("injected failure: round " + round + ", partition " + tc.partitionId()
                    + ", attempt " + tc.attemptNumber());
        }
    }
}

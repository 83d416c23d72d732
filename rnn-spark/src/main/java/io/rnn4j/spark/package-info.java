/**
 * rnn4j on Apache Spark: data-parallel training by parameter averaging ({@link io.rnn4j.spark.ParameterAveraging}),
 * sweeps of independent runs as Spark tasks ({@link io.rnn4j.spark.Sweep}), and the command line that
 * {@code spark-submit} runs ({@link io.rnn4j.spark.SparkMain}).
 */
package io.rnn4j.spark;

package io.rnn4j.spark;

import io.rnn4j.data.Batch;
import io.rnn4j.data.CharVocabulary;
import io.rnn4j.data.SequenceBatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * A character corpus read through Spark, cut into the replicas' shards without passing through the
 * driver: the text is every file under a URI that Spark's Hadoop file systems read ({@code file:},
 * {@code hdfs:}, {@code s3a:}, a folder of files), concatenated in path order; the vocabulary comes
 * from a distributed pass (each file's distinct characters); shard p is characters
 * {@code [p·S, (p + 1)·S)} of the concatenation, {@code S = ⌊N / n⌋} (the remainder is left out),
 * assembled in partition p from the pieces of the files it spans, and cut into its windows there. The
 * same text gives the same shards and windows as reading it whole on the driver.
 */
final class TextShards {
    /** The shards (partition p: shard p's windows, in order), the vocabulary, the corpus length. */
    record Result(JavaRDD<Batch> batches, CharVocabulary vocabulary, long characters) {
    }

    private TextShards() {
    }

    /**
     * Reads {@code uri} and cuts it.
     *
     * @throws IllegalArgumentException when nothing is there, or a shard is too short for one window
     */
    static Result read(JavaSparkContext sc, String uri, int n, int batch, int seq) {
        JavaPairRDD<String, String> files = sc.wholeTextFiles(uri).cache();
        List<Integer> cps = files.values().flatMap(t -> t.codePoints().distinct().boxed().iterator()).distinct()
                .collect();
        if (cps.isEmpty()) {
            throw new IllegalArgumentException(uri + " holds no text (no file, or only empty files)");
        }
        CharVocabulary vocab = CharVocabulary.ofCodePoints(cps.stream().mapToInt(Integer::intValue).toArray());
        // Each file's place in the concatenation (path order): only the lengths come to the driver.
        TreeMap<String, Long> start = new TreeMap<>();
        long total = 0;
        for (Tuple2<String, Long> f : files.mapValues(t -> (long) t.codePointCount(0, t.length())).sortByKey()
                .collect()) {
            start.put(f._1(), total);
            total += f._2();
        }
        long size = total / n;
        if (size < (long) batch * (seq + 1) + 1) {
            throw new IllegalArgumentException("each of the " + n + " shards has " + size + " characters; B " + batch
                    + " × (T " + seq + " + 1) needs more: lower --batch, --seq or --partitions");
        }
        Broadcast<String> vocabJson = sc.broadcast(vocab.toJson());
        Broadcast<Map<String, Long>> offsets = sc.broadcast(new TreeMap<>(start));
        long shardSize = size;
        JavaPairRDD<Integer, Tuple2<Long, int[]>> pieces = files.flatMapToPair(f -> {
            int[] tokens = CharVocabulary.fromJson(vocabJson.value()).encode(f._2());
            long o = offsets.value().get(f._1());
            List<Tuple2<Integer, Tuple2<Long, int[]>>> out = new ArrayList<>();
            for (long p = o / shardSize; p < n && p * shardSize < o + tokens.length; p++) {
                long from = Math.max(o, p * shardSize);
                long to = Math.min(o + tokens.length, (p + 1) * shardSize);
                if (from < to) {
                    out.add(new Tuple2<>((int) p, new Tuple2<>(from, Arrays.copyOfRange(tokens, (int) (from - o),
                            (int) (to - o)))));
                }
            }
            return out.iterator();
        });
        JavaRDD<Batch> batches = pieces.partitionBy(new HashPartitioner(n)).mapPartitions(it -> windows(it, shardSize,
                batch, seq), true);
        return new Result(batches, vocab, total);
    }

    /** A shard's pieces, in order, as one stream, cut into its windows. */
    private static Iterator<Batch> windows(Iterator<Tuple2<Integer, Tuple2<Long, int[]>>> it, long size, int batch,
                                           int seq) {
        List<Tuple2<Long, int[]>> parts = new ArrayList<>();
        it.forEachRemaining(t -> parts.add(t._2()));
        if (parts.isEmpty()) {
            return java.util.Collections.emptyIterator();
        }
        parts.sort(Comparator.comparingLong(Tuple2::_1));
        int[] shard = new int[(int) size];
        int at = 0;
        for (Tuple2<Long, int[]> p : parts) {
            System.arraycopy(p._2(), 0, shard, at, p._2().length);
            at += p._2().length;
        }
        SequenceBatcher b = new SequenceBatcher(shard, batch, seq);
        List<Batch> out = new ArrayList<>();
        for (int w = 0; w < b.windowsPerEpoch(); w++) {
            Batch x = b.next(); // its arrays are reused by the next call: copy them
            out.add(Batch.tokensTimeMajor(batch, seq, x.inputIds().clone(), x.targetIds().clone()));
        }
        return out.iterator();
    }
}

package io.rnn4j.spark;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.data.Batch;
import io.rnn4j.io.internal.ConfigCodec;
import io.rnn4j.internal.Json;
import io.rnn4j.io.Checkpoint;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.StepResult;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import io.rnn4j.train.TrainingState;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * Data-parallel training by synchronous parameter averaging on Spark. The data is an RDD of
 * {@link io.rnn4j.data.Batch} whose partitions are the replicas' shards. One {@link #round}: the driver
 * broadcasts the current {@link ReplicaState}; each partition's task takes a model on its own
 * backend (chosen by {@link Backends#select()}: the CPU, or CUDA where the executor has a GPU; built
 * at its first round and kept in the task thread for the next, {@link ReplicaCache}), loads the state,
 * takes {@code K} optimizer steps on the next {@code K} batches of its shard (in order, wrapping around), and returns its parameters and optimizer state; the driver collects them
 * and sums them <b>in partition order</b>, whatever order the tasks finished in, then divides by the
 * number of replicas, so that a round is a pure function of its start and its data for any number of
 * replicas (float addition is not associative: a reduction in finishing order gave different bits
 * from run to run from 3 replicas up). The driver holds every replica's result of a round at once:
 * about {@code replicas × (1 + optimizer arenas) × parameters × 4} bytes. The average (parameters and, a documented
 * choice, the optimizer's state arenas: momentum, accumulators, Adam's m and v averaged like the
 * weights) is the next round's start, at update count {@code step + K}.
 *
 * <p>With {@code K = 1}, plain SGD, mean-reduced losses and shards of equal weight, a round is
 * exactly one step of single-process training on the concatenation of the replicas' batches (the
 * mean of the replicas' gradients is the gradient of the mean loss); {@code ParameterAveragingTest}
 * checks it. A failed task is retried by Spark from the broadcast start of its round, so a round's
 * result does not depend on failures. Truncated BPTT with a carried state is refused: a replica's
 * state would not survive the round.
 */
public final class ParameterAveraging implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParameterAveraging.class);
    private final String model;
    private final String training;
    private final int localSteps;
    /** This job's identity: the key of its replicas' cached models on the executors. */
    private final String id = java.util.UUID.randomUUID().toString();

    /**
     * A trainer for {@code model} under {@code training}, averaging every {@code localSteps} steps.
     *
     * @param model the model's configuration (its seed sets the initial parameters)
     * @param training the training configuration, without a carried state
     * @param localSteps K, optimizer steps each replica takes per round, at least 1
     * @throws IllegalArgumentException for {@code K < 1} or a carried state
     */
    public ParameterAveraging(RnnConfig model, TrainerConfig training, int localSteps) {
        if (localSteps < 1) {
            throw new IllegalArgumentException("local steps K must be at least 1, got " + localSteps);
        }
        if (training.carryState()) {
            throw new IllegalArgumentException("data-parallel training runs whole sequences: a carried state"
                    + " (truncated BPTT) would not survive a round; use carryState(false)");
        }
        this.model = Json.write(ConfigCodec.toMap(model));
        this.training = Json.write(ConfigCodec.toMap(training));
        this.localSteps = localSteps;
    }

    /** {@return the model's configuration} */
    @SuppressWarnings("unchecked")
    public RnnConfig modelConfig() {
        return ConfigCodec.rnnConfig((Map<String, Object>) Json.parse(model));
    }

    /** {@return the training configuration} */
    @SuppressWarnings("unchecked")
    public TrainerConfig trainerConfig() {
        return ConfigCodec.trainerConfig((Map<String, Object>) Json.parse(training));
    }

    /** {@return K, the optimizer steps each replica takes per round} */
    public int localSteps() {
        return localSteps;
    }

    /**
     * The start of training: the model's initial parameters (from its seed) and a fresh optimizer.
     *
     * @param backend where to build the model once (the driver's)
     * @return the state at update 0
     */
    public ReplicaState initial(Backend backend) {
        try (RnnModel m = new RnnModel(backend, modelConfig()); Trainer t = new Trainer(m, trainerConfig())) {
            return new ReplicaState(0, m.parameters().downloadAll(), t.snapshot().optimizerStates());
        }
    }

    /**
     * What a round did.
     *
     * @param state the averaged state, the next round's start
     * @param replicas how many replicas trained
     * @param meanLoss their mean loss
     * @param computeNanos the slowest replica's compute time
     * @param wallNanos the round's time on the driver
     * @param backends the distinct backends and kernel paths the replicas ran (one, normally)
     */
    public record Round(ReplicaState state, int replicas, double meanLoss, long computeNanos, long wallNanos,
                        java.util.SortedSet<String> backends) {
        /** {@return whether every replica ran the same backend and kernel path} */
        public boolean uniform() {
            return backends.size() <= 1;
        }
    }

    /**
     * One round: every partition of {@code data} trains K steps from {@code start}; the average
     * is returned. Cache {@code data} (its shards are read once per round).
     *
     * @param sc the Spark context
     * @param data the shards, one per partition, each with at least one batch
     * @param start the round's start
     * @param round the round's index from 0: replica p takes batches {@code round·K ..} of its shard
     * @return the averaged state, the number of replicas, their mean loss and the time spent
     */
    public Round round(JavaSparkContext sc, JavaRDD<Batch> data, ReplicaState start, long round) {
        long t0 = System.nanoTime();
        Broadcast<ReplicaState> b = sc.broadcast(start);
        try {
            List<Partial> parts = new ArrayList<>(data.mapPartitionsWithIndex(new Replica(this, b, round), false)
                    .collect());
            if (parts.isEmpty()) {
                throw new IllegalArgumentException("no partition of the data has a batch: nothing to train on");
            }
            parts.sort(java.util.Comparator.comparingInt(p -> p.partition));
            Partial sum = parts.get(0);
            for (int i = 1; i < parts.size(); i++) {
                sum.add(parts.get(i));
            }
            java.util.SortedSet<String> backends = new java.util.TreeSet<>();
            for (Partial p : parts) {
                backends.add(p.backend);
            }
            if (backends.size() > 1) {
                LOG.warn("round {}: the replicas ran different backends or kernel paths, whose results differ by float"
                        + " rounding: {} (give every executor the same JVM options, e.g. --add-modules"
                        + " jdk.incubator.vector)", round, backends);
            }
            return new Round(sum.average(start.step() + localSteps), sum.replicas, sum.lossSum / sum.replicas,
                    sum.computeNanos, System.nanoTime() - t0, java.util.Collections.unmodifiableSortedSet(backends));
        } finally {
            b.destroy();
        }
    }

    /**
     * Writes {@code state} as an ordinary rnn4j checkpoint (resumable by a single-machine
     * {@link Trainer} with {@link Checkpoint#load}, or here with {@link #load}).
     *
     * @param file the checkpoint
     * @param state the state to write
     * @param backend where to build the model for writing (the driver's)
     * @throws IOException when the file cannot be written
     */
    public void save(Path file, ReplicaState state, Backend backend) throws IOException {
        save(file, state, backend, Map.of());
    }

    /**
     * {@link #save(Path, ReplicaState, Backend)} with more metadata (a vocabulary, say).
     *
     * @param file the checkpoint
     * @param state the state to write
     * @param backend where to build the model for writing (the driver's)
     * @param metadata more string entries for the file's metadata
     * @throws IOException when the file cannot be written
     */
    public void save(Path file, ReplicaState state, Backend backend, Map<String, String> metadata) throws IOException {
        try (RnnModel m = new RnnModel(backend, modelConfig()); Trainer t = new Trainer(m, trainerConfig())) {
            m.parameters().uploadAll(state.parameters());
            t.restoreOptimizer(state.step(), state.optimizerStates());
            Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
            meta.put("spark.localSteps", Integer.toString(localSteps));
            Checkpoint.save(file, t, meta);
        }
    }

    /**
     * Reads a checkpoint (written here or by a single-machine trainer of the same model) as a state.
     *
     * @param file the checkpoint
     * @param backend where to build the model for reading (the driver's)
     * @return its parameters, optimizer state and update count
     * @throws IOException when the file cannot be read, is not a checkpoint, or is of another model
     */
    public ReplicaState load(Path file, Backend backend) throws IOException {
        try (Trainer t = Checkpoint.load(file, backend); RnnModel m = t.model()) {
            if (!m.config().equals(modelConfig())) {
                throw new IllegalArgumentException(file + " holds another model: " + m.config());
            }
            TrainingState s = t.snapshot();
            return new ReplicaState(s.step(), m.parameters().downloadAll(), s.optimizerStates());
        }
    }

    /** Sums of the replicas' results. */
    static final class Partial implements Serializable {
        private static final long serialVersionUID = 1L;
        /** The replica's partition (results are summed in this order). */
        int partition;
        /** The replica's backend and kernel path ({@link io.rnn4j.backend.Backend#description()}). */
        String backend;
        float[] parameters;
        float[][] states;
        int replicas;
        double lossSum;
        long computeNanos;

        Partial add(Partial o) {
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] += o.parameters[i];
            }
            for (int k = 0; k < states.length; k++) {
                for (int i = 0; i < states[k].length; i++) {
                    states[k][i] += o.states[k][i];
                }
            }
            replicas += o.replicas;
            lossSum += o.lossSum;
            computeNanos = Math.max(computeNanos, o.computeNanos);
            return this;
        }

        ReplicaState average(long step) {
            float inv = 1f / replicas;
            for (int i = 0; i < parameters.length; i++) {
                parameters[i] *= inv;
            }
            for (float[] s : states) {
                for (int i = 0; i < s.length; i++) {
                    s[i] *= inv;
                }
            }
            return new ReplicaState(step, parameters, states);
        }
    }

    /** One replica's round, run in a Spark task on its partition. */
    static final class Replica implements Function2<Integer, Iterator<Batch>, Iterator<Partial>> {
        private static final long serialVersionUID = 1L;
        private final ParameterAveraging job;
        private final Broadcast<ReplicaState> start;
        private final long round;

        Replica(ParameterAveraging job, Broadcast<ReplicaState> start, long round) {
            this.job = job;
            this.start = start;
            this.round = round;
        }

        @Override
        public Iterator<Partial> call(Integer partition, Iterator<Batch> shard) {
            List<Batch> batches = new ArrayList<>();
            shard.forEachRemaining(batches::add);
            if (batches.isEmpty()) {
                return java.util.Collections.emptyIterator();
            }
            Faults.maybeFail(round);
            ReplicaState s = start.value();
            long t0 = System.nanoTime();
            Partial p = new Partial();
            p.partition = partition;
            p.backend = Executors.backend().description();
            ReplicaCache.Entry entry = ReplicaCache.checkout(job.id + "/" + partition, () -> {
                RnnModel fresh = new RnnModel(Executors.backend(), job.modelConfig());
                return new ReplicaCache.Entry(job.id + "/" + partition, fresh, new Trainer(fresh, job.trainerConfig()));
            });
            boolean ok = false;
            try {
                RnnModel m = entry.model();
                Trainer t = entry.trainer();
                m.parameters().uploadAll(s.parameters());
                t.restoreOptimizer(s.step(), s.optimizerStates());
                double loss = 0;
                for (int k = 0; k < job.localSteps; k++) {
                    Batch b = batches.get((int) ((round * job.localSteps + k) % batches.size()));
                    StepResult r = t.step(b);
                    loss += r.loss();
                }
                p.parameters = m.parameters().downloadAll();
                p.states = t.snapshot().optimizerStates();
                p.replicas = 1;
                p.lossSum = loss / job.localSteps;
                ok = true;
            } finally {
                if (ok) {
                    ReplicaCache.checkin(entry);
                } else {
                    entry.close();
                }
            }
            p.computeNanos = System.nanoTime() - t0;
            return List.of(p).iterator();
        }
    }
}

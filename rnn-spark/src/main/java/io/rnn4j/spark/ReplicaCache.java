package io.rnn4j.spark;

import io.rnn4j.nn.RnnModel;
import io.rnn4j.train.Trainer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A replica's model and trainer kept alive from one round to the next in the task thread that ran it
 * (with the thread's backend, {@link Executors}), so that a round costs a parameter upload instead of
 * building both: keyed by the job and the partition, at most {@value #CAPACITY} per thread (the least
 * recently used is closed). A task checks its entry out (no other attempt of the same partition, a
 * speculative one say, can use it meanwhile) and returns it when its round succeeded; a failed task's
 * entry is closed, so that a retry starts from a fresh model.
 */
final class ReplicaCache {
    static final int CAPACITY = 4;

    /** One replica's model and trainer. */
    record Entry(String key, RnnModel model, Trainer trainer) implements AutoCloseable {
        @Override
        public void close() {
            trainer.close();
            model.close();
        }
    }

    private static final ThreadLocal<LinkedHashMap<String, Entry>> CACHE =
            ThreadLocal.withInitial(() -> new LinkedHashMap<>(8, 0.75f, true));

    private ReplicaCache() {
    }

    /** The thread's entry for {@code key}, or a new one from {@code create}; the caller owns it until checkin. */
    static Entry checkout(String key, Supplier<Entry> create) {
        Entry e = CACHE.get().remove(key);
        return e != null ? e : create.get();
    }

    /** Returns an entry after a successful round; the least recently used beyond the capacity are closed. */
    static void checkin(Entry e) {
        LinkedHashMap<String, Entry> m = CACHE.get();
        Entry old = m.put(e.key(), e);
        if (old != null && old != e) {
            old.close();
        }
        Iterator<Map.Entry<String, Entry>> it = m.entrySet().iterator();
        while (m.size() > CAPACITY && it.hasNext()) {
            Entry eldest = it.next().getValue();
            it.remove();
            eldest.close();
        }
    }

    /** How many entries this thread holds (for tests). */
    static int size() {
        return CACHE.get().size();
    }
}

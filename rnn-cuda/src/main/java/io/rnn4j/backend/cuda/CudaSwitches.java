package io.rnn4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA backend's fast paths, each behind a system property, all <b>off by default</b> until a
 * GPU run has verified it (docs/PERFORMANCE.md says which have been). {@code -Drnn4j.cuda.fast=true}
 * turns every one on; a path's own property, when set, wins.
 *
 * <ul>
 *   <li>{@code rnn4j.cuda.asyncUploads}: uploads return without waiting (pinned staging memory
 *       handed out in turn, reused after the next synchronization);</li>
 *   <li>{@code rnn4j.cuda.deviceGate}: {@code gatedUpdate} checks the loss and the norm and counts
 *       the update on the device (no download before the update);</li>
 *   <li>{@code rnn4j.cuda.graphs}: {@code capture} records a training step as a CUDA graph (implies
 *       the device gate: a captured step cannot download);</li>
 *   <li>{@code rnn4j.cuda.persistent}: the Elman recurrences as one persistent kernel each (U in
 *       shared memory for all T steps, one grid barrier per step);</li>
 *   <li>{@code rnn4j.cuda.clusters} (follows {@code persistent} unless set): on Hopper and later,
 *       the persistent recurrences as thread-block clusters exchanging h through distributed
 *       shared memory, one cluster barrier per step;</li>
 *   <li>{@code rnn4j.cuda.fastKernels}: one-launch sum of squares, softmax cross-entropy with one
 *       warp per row, tiled bias sums, a deterministic embedding gradient (a GEMM for V ≤ 1024,
 *       sorted ids above).</li>
 * </ul>
 *
 * @param asyncUploads uploads without waiting
 * @param deviceGate the update's check and count on the device
 * @param graphs training steps captured as CUDA graphs
 * @param persistent the persistent Elman recurrence kernels
 * @param clusters their cluster form on sm_90 and later
 * @param fastKernels the cheaper loss, reduction and embedding-gradient kernels
 */
record CudaSwitches(boolean asyncUploads, boolean deviceGate, boolean graphs, boolean persistent,
                    boolean clusters, boolean fastKernels) {
    static final String PREFIX = "rnn4j.cuda.";

    /** The switches as the system properties set them. */
    static CudaSwitches fromSystemProperties() {
        boolean all = Boolean.getBoolean(PREFIX + "fast");
        boolean graphs = on("graphs", all);
        boolean persistent = on("persistent", all);
        return new CudaSwitches(on("asyncUploads", all), graphs || on("deviceGate", all), graphs, persistent,
                persistent && on("clusters", true), on("fastKernels", all));
    }

    private static boolean on(String name, boolean dflt) {
        String v = System.getProperty(PREFIX + name);
        return v == null ? dflt : Boolean.parseBoolean(v.trim());
    }

    /** The switches that are on, for the backend's description ("none" when all are off). */
    String describe() {
        List<String> on = new ArrayList<>();
        if (asyncUploads) {
            on.add("asyncUploads");
        }
        if (deviceGate) {
            on.add("deviceGate");
        }
        if (graphs) {
            on.add("graphs");
        }
        if (persistent) {
            on.add(clusters ? "persistent (clusters on sm_90+)" : "persistent");
        }
        if (fastKernels) {
            on.add("fastKernels");
        }
        return on.isEmpty() ? "none" : String.join(", ", on);
    }
}

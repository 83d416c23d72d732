package io.rnn4j.backend.cuda;

import static io.rnn4j.backend.cuda.CudaErrors.cuda;
import static org.bytedeco.cuda.global.cudart.cudaGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cudaGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cudaGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cudaStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cudaStreamCaptureModeThreadLocal;
import static org.bytedeco.cuda.global.cudart.cudaStreamEndCapture;

import io.rnn4j.backend.Captured;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;

/**
 * Stream capture of the CUDA backend ({@link io.rnn4j.backend.Backend#capture}): the work is
 * recorded on the backend's stream (thread-local capture mode, so that another thread's CUDA
 * calls are not caught in it), instantiated once, and replayed by one {@code cudaGraphLaunch}.
 * Kernel arguments and cuBLAS scalars are taken by value at capture; cuBLAS has a fixed workspace
 * (set when the backend starts with graphs on), so a replay allocates nothing.
 */
final class CudaGraphs {
    private final CudaBackend be;

    CudaGraphs(CudaBackend be) {
        this.be = be;
    }

    /** Captures {@code work} (the caller holds the backend's lock); a failure ends the capture and releases it. */
    Captured capture(Runnable work) {
        cuda(cudaStreamBeginCapture(be.stream(), cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
        CUgraph_st graph = new CUgraph_st();
        boolean ran = false;
        try {
            be.capturing(true);
            work.run();
            ran = true;
        } finally {
            be.capturing(false);
            int rc = cudaStreamEndCapture(be.stream(), graph);
            if (ran) {
                cuda(rc, "cudaStreamEndCapture");
            } else if (!graph.isNull()) {
                cudaGraphDestroy(graph);
            }
        }
        CUgraphExec_st exec = new CUgraphExec_st();
        try {
            cuda(cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
        } catch (RuntimeException e) {
            cudaGraphDestroy(graph);
            throw e;
        }
        return new Graph(graph, exec);
    }

    /** One instantiated graph. */
    private final class Graph implements Captured {
        private CUgraph_st graph;
        private CUgraphExec_st exec;

        Graph(CUgraph_st graph, CUgraphExec_st exec) {
            this.graph = graph;
            this.exec = exec;
        }

        @Override
        public void replay() {
            synchronized (be) {
                be.enter();
                if (exec == null) {
                    throw new IllegalStateException("the captured step was released");
                }
                be.countOperation();
                cuda(cudaGraphLaunch(exec, be.stream()), "cudaGraphLaunch");
            }
        }

        @Override
        public void close() {
            synchronized (be) {
                if (exec == null) {
                    return;
                }
                CUgraphExec_st e = exec;
                CUgraph_st g = graph;
                exec = null;
                graph = null;
                be.makeCurrent();
                be.sync("before releasing a captured step");
                cuda(cudaGraphExecDestroy(e), "cudaGraphExecDestroy");
                cuda(cudaGraphDestroy(g), "cudaGraphDestroy");
            }
        }
    }
}

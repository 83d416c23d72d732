package io.rnn4j.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.HashMap;
import java.util.Map;

/** Runs an exported model in ONNX Runtime: time-major inputs in, logits and final states out. */
final class OrtRunner implements AutoCloseable {
    /** What one run gives: logits [T][B][O], hn (and cn) [slots][B][H]. */
    record Out(float[][][] logits, float[][][] hn, float[][][] cn) {
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OrtRunner(byte[] model) throws OrtException {
        session = env.createSession(model, new OrtSession.SessionOptions());
    }

    /** Tokens [T][B] (or dense [T][B][D] when {@code dense} is non-null), states optional. */
    Out run(long[][] tokens, float[][][] dense, float[][][] h0, float[][][] c0) throws OrtException {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            if (dense != null) {
                in.put("inputs", OnnxTensor.createTensor(env, dense));
            } else {
                in.put("tokens", OnnxTensor.createTensor(env, tokens));
            }
            if (h0 != null) {
                in.put("h0", OnnxTensor.createTensor(env, h0));
            }
            if (c0 != null) {
                in.put("c0", OnnxTensor.createTensor(env, c0));
            }
            try (OrtSession.Result r = session.run(in)) {
                float[][][] logits = (float[][][]) r.get("logits").orElseThrow().getValue();
                float[][][] hn = (float[][][]) r.get("hn").orElseThrow().getValue();
                float[][][] cn = r.get("cn").isPresent() ? (float[][][]) r.get("cn").get().getValue() : null;
                return new Out(logits, hn, cn);
            }
        } finally {
            for (OnnxTensor t : in.values()) {
                t.close();
            }
        }
    }

    java.util.Set<String> inputNames() throws OrtException {
        return session.getInputNames();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}

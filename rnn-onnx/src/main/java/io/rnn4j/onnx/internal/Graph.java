package io.rnn4j.onnx.internal;

import io.rnn4j.onnx.internal.proto.OnnxProto.AttributeProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.GraphProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.NodeProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.TensorProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.TensorShapeProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.TypeProto;
import io.rnn4j.onnx.internal.proto.OnnxProto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A small builder over ONNX's {@link GraphProto}: nodes with fresh output names, float and int64
 * initializers (raw little-endian data, as ONNX stores them), graph inputs and outputs with named
 * symbolic dimensions. One instance per graph (the main graph, or a {@code Scan} body).
 */
public final class Graph {
    private final GraphProto.Builder g;
    private final String prefix;
    private int next;

    /**
     * An empty graph.
     *
     * @param name the graph's name
     * @param prefix a prefix for generated value names (distinct per graph, so that a body never
     *     shadows an outer name)
     */
    public Graph(String name, String prefix) {
        this.g = GraphProto.newBuilder().setName(name);
        this.prefix = prefix;
    }

    /** {@return a fresh value name with the given hint} */
    public String fresh(String hint) {
        return prefix + hint + "_" + next++;
    }

    /**
     * Adds a node with one fresh output.
     *
     * @param op the operator
     * @param inputs its inputs ("" for an omitted optional input)
     * @param attrs its attributes
     * @return the output's name
     */
    public String op(String op, List<String> inputs, AttributeProto... attrs) {
        String out = fresh(op.toLowerCase(java.util.Locale.ROOT));
        node(op, inputs, List.of(out), attrs);
        return out;
    }

    /** Adds a node with the given outputs. */
    public void node(String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(fresh("n_" + op)).addAllInput(inputs)
                .addAllOutput(outputs);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        g.addNode(n);
    }

    /** A float initializer of the given dimensions from row-major values. */
    public String floats(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        g.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(box(dims)).setRawData(com.google.protobuf.ByteString.copyFrom(b.array())));
        return name;
    }

    /** An int64 initializer (shapes, axes, indices). */
    public String longs(String hint, long[] values, long... dims) {
        String name = fresh(hint);
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        g.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addAllDims(box(dims)).setRawData(com.google.protobuf.ByteString.copyFrom(b.array())));
        return name;
    }

    /** A one-dimensional int64 initializer. */
    public String longs(String hint, long... values) {
        return longs(hint, values, values.length);
    }

    /** Declares a graph input ({@code dims}: a number, or a symbolic name). */
    public void input(String name, int elemType, Object... dims) {
        g.addInput(valueInfo(name, elemType, dims));
    }

    /** Declares a graph output. */
    public void output(String name, int elemType, Object... dims) {
        g.addOutput(valueInfo(name, elemType, dims));
    }

    /** {@return the graph} */
    public GraphProto build() {
        return g.build();
    }

    static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder db = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number n) {
                db.setDimValue(n.longValue());
            } else {
                db.setDimParam(d.toString());
            }
            s.addDim(db);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s))).build();
    }

    private static List<Long> box(long[] dims) {
        java.util.ArrayList<Long> l = new java.util.ArrayList<>(dims.length);
        for (long d : dims) {
            l.add(d);
        }
        return l;
    }

    /** An integer attribute. */
    public static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    /** A string attribute. */
    public static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }

    /** A list-of-integers attribute. */
    public static AttributeProto attr(String name, long... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    /** A list-of-strings attribute. */
    public static AttributeProto attrStrings(String name, String... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.STRINGS);
        for (String x : v) {
            b.addStrings(com.google.protobuf.ByteString.copyFromUtf8(x));
        }
        return b.build();
    }

    /** A graph attribute (a {@code Scan} body). */
    public static AttributeProto attr(String name, GraphProto body) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(body)
                .build();
    }
}

package io.rnn4j.nn;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One contiguous backend tensor ({@code 1 × P}) laid out by a {@link ParameterLayout}, with a view
 * per named parameter. Parameters, gradients and optimizer states are each one arena, so that a
 * norm is one reduction and an update one fused kernel. Closing twice is harmless.
 */
public final class Arena implements AutoCloseable {
    private final ParameterLayout layout;
    private final Tensor all;
    private final Map<String, Tensor> views = new LinkedHashMap<>();

    /**
     * Allocates a zero-filled arena on {@code backend}.
     *
     * @param backend where the arena is allocated
     * @param layout the entries and their offsets
     */
    public Arena(Backend backend, ParameterLayout layout) {
        this.layout = layout;
        this.all = backend.allocate(1, (int) layout.size());
        for (ParameterLayout.Entry e : layout.entries()) {
            views.put(e.name(), new Tensor(all.buffer(), e.offset(), e.rows(), e.cols(), e.cols()));
        }
    }

    /** {@return the layout} */
    public ParameterLayout layout() {
        return layout;
    }

    /** {@return the whole arena as one {@code 1 × P} tensor} */
    public Tensor all() {
        return all;
    }

    /**
     * The view of one parameter (rows × cols as in the layout).
     *
     * @param name a parameter name of the layout
     * @return its view (not a copy)
     */
    public Tensor view(String name) {
        Tensor t = views.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "' (have " + views.keySet() + ")");
        }
        return t;
    }

    /**
     * The view, or null when the model has no such parameter.
     *
     * @param name a parameter name
     * @return its view, or null when the layout has no such entry
     */
    public Tensor viewOrNull(String name) {
        return views.get(name);
    }

    /**
     * Downloads one parameter, row-major.
     *
     * @param name a parameter name of the layout
     * @return a host copy, row-major
     */
    public float[] download(String name) {
        Tensor t = view(name);
        float[] out = new float[(int) t.size()];
        all.buffer().backend().download(t, out, 0);
        return out;
    }

    /** {@return the whole arena, downloaded (a host copy)} */
    public float[] downloadAll() {
        float[] out = new float[(int) all.size()];
        all.buffer().backend().download(all, out, 0);
        return out;
    }

    /**
     * Uploads one parameter (row-major, exactly its size).
     *
     * @param name a parameter name of the layout
     * @param values its values, row-major, of its exact size
     */
    public void upload(String name, float[] values) {
        Tensor t = view(name);
        if (values.length != t.size()) {
            throw new IllegalArgumentException("parameter '" + name + "' has " + t.rows() + "x" + t.cols() + " = "
                    + t.size() + " elements, got " + values.length);
        }
        all.buffer().backend().upload(values, 0, t);
    }

    /**
     * Uploads the whole arena.
     *
     * @param values the whole arena, in layout order
     */
    public void uploadAll(float[] values) {
        if (values.length != all.size()) {
            throw new IllegalArgumentException("arena has " + all.size() + " elements, got " + values.length);
        }
        all.buffer().backend().upload(values, 0, all);
    }

    @Override
    public void close() {
        all.buffer().close();
    }
}

package io.rnn4j.backend;

import java.util.Objects;

/**
 * A row-major float32 matrix view {@code (buffer, offset, rows, cols, rowStride)} over a
 * {@link DeviceBuffer}. Element {@code (r, c)} lives at {@code offset + r * rowStride + c}.
 *
 * <p>Views never own memory and are cheap to create; code on a hot path creates its views once
 * (for example one view per time step when a workspace is built) and reuses them. A tensor is
 * immutable; its contents are changed only by {@link Backend} kernels.
 */
public final class Tensor {
    private final DeviceBuffer buffer;
    private final long offset;
    private final int rows;
    private final int cols;
    private final int rowStride;

    /**
     * Creates a view. Checks that every addressed element lies inside the buffer.
     *
     * @param buffer the buffer
     * @param offset element offset of {@code (0, 0)}
     * @param rows the rows, at least 0
     * @param cols the columns, at least 0
     * @param rowStride elements between the starts of consecutive rows, at least {@code cols}
     * @throws IllegalArgumentException if the shape is negative, {@code rowStride < cols}, or the
     *     view reaches outside the buffer
     */
    public Tensor(DeviceBuffer buffer, long offset, int rows, int cols, int rowStride) {
        this.buffer = Objects.requireNonNull(buffer, "buffer");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        if (rowStride < cols) {
            throw new IllegalArgumentException("rowStride " + rowStride + " < cols " + cols);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        long end = rows == 0 || cols == 0 ? offset : offset + (long) (rows - 1) * rowStride + cols;
        if (end > buffer.length()) {
            throw new IllegalArgumentException("view " + rows + "x" + cols + " (stride " + rowStride
                    + ", offset " + offset + ") reaches element " + end + " of a buffer of "
                    + buffer.length());
        }
        this.offset = offset;
        this.rows = rows;
        this.cols = cols;
        this.rowStride = rowStride;
    }

    /**
     * A dense view over a whole buffer of {@code rows * cols} elements.
     *
     * @param buffer the buffer, at least {@code rows·cols} elements
     * @param rows the rows
     * @param cols the columns
     * @return the view of the buffer's start
     */
    public static Tensor of(DeviceBuffer buffer, int rows, int cols) {
        return new Tensor(buffer, 0, rows, cols, cols);
    }

    /**
     * {@return the buffer this view reads}
     */
    public DeviceBuffer buffer() {
        return buffer;
    }

    /** {@return element offset of {@code (0, 0)} in the buffer} */
    public long offset() {
        return offset;
    }

    /**
     * {@return the number of rows}
     */
    public int rows() {
        return rows;
    }

    /**
     * {@return the number of columns}
     */
    public int cols() {
        return cols;
    }

    /** {@return distance in elements between the starts of two consecutive rows} */
    public int rowStride() {
        return rowStride;
    }

    /** {@return {@code rows * cols}} */
    public long size() {
        return (long) rows * cols;
    }

    /** {@return whether rows follow each other without gaps ({@code rowStride == cols} or one row)} */
    public boolean isContiguous() {
        return rowStride == cols || rows <= 1;
    }

    /**
     * Rows {@code [from, from + count)} as a view.
     *
     * @param from the first row
     * @param count how many rows
     * @return the view (shares the buffer)
     */
    public Tensor rows(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + (from + count) + ") of " + rows);
        }
        return new Tensor(buffer, offset + (long) from * rowStride, count, cols, rowStride);
    }

    /**
     * Columns {@code [from, from + count)} as a view (same row stride).
     *
     * @param from the first column
     * @param count how many columns
     * @return the view (shares the buffer; its row stride is this one's)
     */
    public Tensor cols(int from, int count) {
        if (from < 0 || count < 0 || from + count > cols) {
            throw new IndexOutOfBoundsException("cols [" + from + ", " + (from + count) + ") of " + cols);
        }
        return new Tensor(buffer, offset + from, rows, count, rowStride);
    }

    /**
     * The same elements seen with another shape; only for contiguous tensors.
     *
     * @param newRows the new rows
     * @param newCols the new columns
     * @return the view with the same elements
     * @throws IllegalArgumentException if not contiguous or the element count differs
     */
    public Tensor reshape(int newRows, int newCols) {
        if (!isContiguous()) {
            throw new IllegalArgumentException("reshape of a strided view " + this);
        }
        if ((long) newRows * newCols != size()) {
            throw new IllegalArgumentException("cannot reshape " + rows + "x" + cols + " to " + newRows + "x" + newCols);
        }
        return new Tensor(buffer, offset, newRows, newCols, newCols);
    }

    /**
     * Whether two views address at least one common element (conservative: same buffer and overlapping spans).
     *
     * @param other another view
     * @return whether the two views share any element
     */
    public boolean overlaps(Tensor other) {
        if (other.buffer != buffer || size() == 0 || other.size() == 0) {
            return false;
        }
        long end = offset + (long) (rows - 1) * rowStride + cols;
        long otherEnd = other.offset + (long) (other.rows - 1) * other.rowStride + other.cols;
        return offset < otherEnd && other.offset < end;
    }

    @Override
    public String toString() {
        return "Tensor[" + rows + "x" + cols + (rowStride != cols ? ", stride " + rowStride : "")
                + (offset != 0 ? ", offset " + offset : "") + "]";
    }
}

package io.rnn4j.backend;

/**
 * Creates {@link Backend}s; discovered with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/io.rnn4j.backend.BackendProvider}.
 *
 * <p>A provider must be cheap to construct and must do no native work until {@link #availability()}
 * or {@link #create()} is called. {@link #availability()} never throws: a failed native load is
 * caught (as {@link Throwable}), cached, and reported as a reason.
 */
public interface BackendProvider {

    /** {@return the name users select with {@code -Drnn4j.backend=NAME} or {@code RNN4J_BACKEND=NAME}} */
    String name();

    /**
     * Higher wins when nothing is forced. The CPU backend uses {@value #CPU_PRIORITY}; accelerator
     * backends use larger values.
     *
     * @return the priority
     */
    int priority();

    /** Priority of the built-in CPU backend. */
    int CPU_PRIORITY = 0;

    /** {@return whether this machine can run the backend, and why not} Never throws. */
    Availability availability();

    /**
     * Creates a backend with default settings.
     *
     * @return the backend
     * @throws BackendUnavailableException if the backend cannot run here
     */
    Backend create();
}

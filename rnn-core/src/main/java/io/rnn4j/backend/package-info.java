/**
 * The backend SPI: everything a compute backend implements, in one package.
 *
 * <p>A backend author reads this package and implements {@link io.rnn4j.backend.BackendProvider}
 * and {@link io.rnn4j.backend.Backend}. Backends are discovered with {@link java.util.ServiceLoader}
 * and chosen by {@link io.rnn4j.backend.Backends#select()}. Data lives in backend-owned buffers
 * ({@link io.rnn4j.backend.DeviceBuffer}); a {@link io.rnn4j.backend.Tensor} is a row-major view
 * over one, so a time step of a {@code (T·B × H)} block is a view, not a copy. Token ids and row
 * indices live in {@link io.rnn4j.backend.IndexBuffer}s.
 */
package io.rnn4j.backend;

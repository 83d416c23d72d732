package io.rnn4j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and chooses backends.
 *
 * <p>{@link #select()} honours, in this order, the system property {@value #PROPERTY} and the
 * environment variable {@value #ENV}: a name there forces that backend (an unknown or unavailable
 * name throws {@link BackendUnavailableException} listing every provider and why it was skipped).
 * Without either, the available provider with the highest {@link BackendProvider#priority()} wins;
 * when its {@link BackendProvider#create()} fails all the same (a GPU whose kernels do not compile,
 * say), the failure is logged with its reason and the next available provider is tried. A forced
 * backend never falls back: its failure is thrown. The choice and every skipped provider are logged.
 */
public final class Backends {
    /** System property that forces a backend by name. */
    public static final String PROPERTY = "rnn4j.backend";
    /** Environment variable that forces a backend by name (the property wins over it). */
    public static final String ENV = "RNN4J_BACKEND";

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /** {@return every provider on the class path, highest priority first} */
    public static List<BackendProvider> providers() {
        return providers(Thread.currentThread().getContextClassLoader());
    }

    /**
     * Every provider visible to {@code loader}, highest priority first.
     *
     * @param loader the class loader to search
     * @return every provider it finds, highest priority first
     */
    public static List<BackendProvider> providers(ClassLoader loader) {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader<BackendProvider> sl = ServiceLoader.load(BackendProvider.class,
                loader == null ? Backends.class.getClassLoader() : loader);
        for (var it = sl.iterator(); ; ) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                list.add(it.next());
            } catch (java.util.ServiceConfigurationError e) {
                LOG.warn("skipping a backend provider that failed to load: {}", e.toString());
            }
        }
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
                .thenComparing(BackendProvider::name));
        return list;
    }

    /** {@return the name forced by {@value #PROPERTY} or {@value #ENV}, or null} */
    public static String forcedName() {
        String forced = System.getProperty(PROPERTY);
        if (forced == null || forced.isBlank()) {
            forced = System.getenv(ENV);
        }
        return forced == null || forced.isBlank() ? null : forced.trim();
    }

    /**
     * Chooses the provider as described in the class comment and creates its backend.
     *
     * @return the backend
     */
    public static Backend select() {
        return create(forcedName(), providers());
    }

    /**
     * Creates the backend of the provider named {@code name} (case-insensitive); no fallback.
     *
     * @param name the provider's name
     * @return its backend
     */
    public static Backend select(String name) {
        return create(java.util.Objects.requireNonNull(name, "name"), providers());
    }

    /**
     * Creates a backend from {@code providers}: the one named {@code forced} (its failure is
     * thrown), or else the first available one, by priority, whose {@link BackendProvider#create()}
     * succeeds; a provider that says it is available but fails to start is logged and skipped.
     *
     * @param forced a provider's name, or null to choose
     * @param providers the candidates
     * @return the backend
     * @throws BackendUnavailableException when the forced backend is unknown, unavailable or fails
     *     to start, or when no provider starts; the message lists every provider and why
     */
    public static Backend create(String forced, List<BackendProvider> providers) {
        if (forced != null) {
            BackendProvider p = selectProvider(forced, providers);
            try {
                return p.create();
            } catch (BackendUnavailableException e) {
                throw e;
            } catch (RuntimeException | LinkageError e) {
                throw new BackendUnavailableException("backend '" + p.name() + "' was forced but failed to start: "
                        + e.getMessage(), e);
            }
        }
        List<BackendProvider> sorted = sorted(providers);
        StringBuilder failures = new StringBuilder();
        for (BackendProvider p : sorted) {
            Availability a = p.availability();
            if (!a.available()) {
                LOG.info("skipping backend '{}': {}", p.name(), a);
                continue;
            }
            try {
                Backend b = p.create();
                LOG.info("using backend '{}' (priority {}): {}", p.name(), p.priority(), b.description());
                return b;
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("backend '{}' is available but failed to start, trying the next one: {}", p.name(),
                        e.toString());
                failures.append("\n  ").append(p.name()).append(" failed to start: ").append(e);
            }
        }
        throw new BackendUnavailableException("no backend is available\n" + listing(sorted) + failures);
    }

    private static List<BackendProvider> sorted(List<BackendProvider> providers) {
        List<BackendProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparingInt(BackendProvider::priority).reversed()
                .thenComparing(BackendProvider::name));
        return sorted;
    }

    /**
     * Chooses among {@code providers}: the one named {@code forced} (when not null), else the
     * available one with the highest priority.
     *
     * @param forced a provider's name, or null to choose
     * @param providers the candidates
     * @return the chosen provider
     * @throws BackendUnavailableException listing every provider and its availability
     */
    public static BackendProvider selectProvider(String forced, List<BackendProvider> providers) {
        List<BackendProvider> sorted = sorted(providers);
        if (forced != null) {
            String want = forced.toLowerCase(Locale.ROOT);
            for (BackendProvider p : sorted) {
                if (p.name().toLowerCase(Locale.ROOT).equals(want)) {
                    Availability a = p.availability();
                    if (!a.available()) {
                        throw new BackendUnavailableException("backend '" + forced + "' was forced but is unavailable: "
                                + a + "\n" + listing(sorted), a.cause());
                    }
                    LOG.info("using backend '{}' (forced)", p.name());
                    return p;
                }
            }
            throw new BackendUnavailableException("unknown backend '" + forced + "'" + hint(forced) + "\n"
                    + listing(sorted));
        }
        for (BackendProvider p : sorted) {
            Availability a = p.availability();
            if (a.available()) {
                LOG.info("using backend '{}' (priority {})", p.name(), p.priority());
                return p;
            }
            LOG.info("skipping backend '{}': {}", p.name(), a);
        }
        throw new BackendUnavailableException("no backend is available\n" + listing(sorted));
    }

    /** Where to find a backend that rnn4j ships but that is not on this class path. */
    private static String hint(String forced) {
        return forced.trim().equalsIgnoreCase("cuda")
                ? " (the CUDA backend is in the module io.rnn4j:rnn-cuda, which is not on the class path: add it"
                        + " as a dependency, or run a jar that bundles it, such as rnn-bench.jar)"
                : "";
    }

    /**
     * One line per provider: name, priority and availability.
     *
     * @param providers the candidates
     * @return one line per provider: name, priority, and available or why not
     */
    public static String listing(List<BackendProvider> providers) {
        StringBuilder sb = new StringBuilder("backends found on the class path:");
        if (providers.isEmpty()) {
            sb.append(" none (is rnn-core on the class path with its META-INF/services?)");
        }
        for (BackendProvider p : providers) {
            sb.append("\n  ").append(p.name()).append(" (priority ").append(p.priority()).append("): ")
                    .append(p.availability());
        }
        return sb.toString();
    }
}

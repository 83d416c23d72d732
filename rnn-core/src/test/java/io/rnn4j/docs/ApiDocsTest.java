package io.rnn4j.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DocumentationTool;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The public API is documented completely: the javadoc tool with every doclint check
 * ({@code -Xdoclint:all}: a comment on every public member, {@code @param} for every parameter,
 * {@code @return}, {@code @throws} for checked exceptions, valid HTML and references) reports
 * nothing for rnn-core's packages outside {@code io.rnn4j.internal}.
 */
class ApiDocsTest {
    @TempDir
    Path out;

    @Test
    void everyPublicMemberIsDocumented() throws Exception {
        DocumentationTool tool = ToolProvider.getSystemDocumentationTool();
        assumeTrue(tool != null, "no javadoc tool in this JDK");
        Path src = Path.of("src/main/java");
        assumeTrue(Files.isDirectory(src), "run from rnn-core (the sources are not at " + src.toAbsolutePath() + ")");
        List<String> packages;
        try (Stream<Path> files = Files.walk(src.resolve("io/rnn4j"))) {
            packages = files.filter(p -> p.toString().endsWith("package-info.java"))
                    .map(p -> src.relativize(p.getParent()).toString().replace(java.io.File.separatorChar, '.'))
                    .filter(p -> !p.startsWith("io.rnn4j.internal") && !p.endsWith(".internal"))
                    .sorted().collect(Collectors.toList());
        }
        assertTrue(packages.size() >= 7, "found the API packages: " + packages);
        StringWriter log = new StringWriter();
        List<String> args = new java.util.ArrayList<>(List.of("-quiet", "-Xdoclint:all", "-Xmaxwarns", "10000",
                "--add-modules", "jdk.incubator.vector",
                "-d", out.toString(), "-sourcepath", src.toString(), "-classpath", System.getProperty("java.class.path")));
        args.addAll(packages);
        Boolean ok = tool.getTask(log, null, null, null, args, null).call();
        String report = log.toString();
        long warnings = report.lines().filter(l -> l.contains(": warning:") || l.contains(": error:")).count();
        assertEquals(0, warnings, "javadoc -Xdoclint:all on the public API:\n" + report);
        assertTrue(ok, report);
    }
}

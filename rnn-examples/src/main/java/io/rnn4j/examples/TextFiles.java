package io.rnn4j.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/** Files named on the command line, with errors that name the option, the file and what to do. */
final class TextFiles {
    private TextFiles() {
    }

    /** Reads a UTF-8 text named by {@code option}; a missing file, a folder or bad UTF-8 is a usage error. */
    static String read(CommandSpec spec, String option, Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw Cli.usage(spec, option + " " + file + " is a folder: give a text file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw Cli.usage(spec, option + " " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw Cli.usage(spec, option + " " + file + " cannot be read (permission denied)");
        }
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            String text = d.decode(in).toString();
            if (text.isEmpty()) {
                throw Cli.usage(spec, option + " " + file + " is empty");
            }
            return text;
        } catch (CharacterCodingException e) {
            throw Cli.usage(spec, option + " " + file + " is not UTF-8 text (bad byte near offset " + in.position()
                    + "): convert it first, e.g. iconv -f latin1 -t utf-8");
        }
    }

    /**
     * The file can be written: its folder exists and is writable, or can be created (nothing is created
     * here, so that a run that fails later leaves no empty folder); else a usage error.
     */
    static void checkWritable(CommandSpec spec, String option, Path file) {
        if (Files.isDirectory(file)) {
            throw Cli.usage(spec, option + " " + file + " is a folder: give a file name");
        }
        Path parent = file.toAbsolutePath().getParent();
        Path existing = parent;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw Cli.usage(spec, option + " " + file + ": its folder cannot be created (" + (existing == null
                    ? "no folder above it" : existing + " is a file, not a folder") + ")");
        }
        if (!Files.isWritable(existing) || (Files.exists(file) && !Files.isWritable(file))) {
            throw Cli.usage(spec, option + " " + file + " cannot be written (permission denied): choose another path");
        }
    }
}

package dev.vae;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fresh storage directory (database, models, datasets) per test application context.
 */
public final class TestStorage {

	private TestStorage() {
	}

	public static String newDirectory() {
		try {
			Path dir = Files.createTempDirectory("vae-test-storage");
			dir.toFile().deleteOnExit();
			return dir.toString();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}

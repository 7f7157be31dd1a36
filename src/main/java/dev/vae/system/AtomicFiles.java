package dev.vae.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Files that appear whole or not at all: written to a hidden temporary name beside the
 * target, then renamed.
 */
public final class AtomicFiles {

	private AtomicFiles() {
	}

	public static void write(Path target, byte[] bytes) throws IOException {
		Path temp = temp(target);
		try {
			Files.write(temp, bytes);
			move(temp, target);
		}
		finally {
			Files.deleteIfExists(temp);
		}
	}

	public static void copy(InputStream in, Path target) throws IOException {
		Path temp = temp(target);
		try {
			Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
			move(temp, target);
		}
		finally {
			Files.deleteIfExists(temp);
		}
	}

	/**
	 * Streams an upload to a hidden temporary file beside {@code target}, failing with a
	 * {@link TooLargeException} once it passes {@code maxBytes}; the caller checks the
	 * file and then {@link #move moves} it into place, or deletes it. Memory stays one
	 * buffer.
	 * @return the temporary file
	 */
	public static Path receive(InputStream in, Path target, long maxBytes, String field, String tooLarge)
			throws IOException {
		Path temp = temp(target);
		try (OutputStream out = Files.newOutputStream(temp)) {
			byte[] buffer = new byte[65536];
			long total = 0;
			int n;
			while ((n = in.read(buffer)) > 0) {
				total += n;
				if (total > maxBytes) {
					throw new TooLargeException(field, tooLarge);
				}
				out.write(buffer, 0, n);
			}
			return temp;
		}
		catch (IOException | RuntimeException ex) {
			Files.deleteIfExists(temp);
			throw ex;
		}
	}

	/** Renames {@code source} to {@code target}, atomically where the file system can. */
	public static void move(Path source, Path target) throws IOException {
		try {
			Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException ex) {
			Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/**
	 * Deletes the temporary files a killed process left in {@code dir}: they are hidden
	 * and never referenced, but a restart should not leave half-written files lying
	 * around. Returns how many were deleted.
	 */
	public static int deleteLeftovers(Path dir) throws IOException {
		if (!Files.isDirectory(dir)) {
			return 0;
		}
		int deleted = 0;
		try (var files = Files.list(dir)) {
			for (Path file : (Iterable<Path>) files::iterator) {
				String name = file.getFileName().toString();
				if (name.startsWith(".") && name.endsWith(".tmp") && Files.deleteIfExists(file)) {
					deleted++;
				}
			}
		}
		return deleted;
	}

	/**
	 * A new hidden temporary file beside {@code target}, named so that
	 * {@link #deleteLeftovers} finds it.
	 */
	public static Path temp(Path target) throws IOException {
		Path dir = target.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		return Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
	}

}

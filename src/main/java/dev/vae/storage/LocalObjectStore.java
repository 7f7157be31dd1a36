package dev.vae.storage;

import dev.vae.system.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Objects as files under the storage directory ({@code models/…}, {@code datasets/…}), as
 * a single instance has always kept them. Every read is checked against the digest.
 */
final class LocalObjectStore implements ObjectStore {

	private final Path dir;

	LocalObjectStore(Path dir) {
		this.dir = dir;
	}

	@Override
	public String put(String key, Path file) throws IOException {
		String sha256 = Digests.sha256(file);
		Path target = path(key);
		Files.createDirectories(target.getParent());
		AtomicFiles.move(file, target);
		return sha256;
	}

	@Override
	public Path get(String key, String sha256) throws IOException {
		Path file = path(key);
		if (!Files.exists(file)) {
			throw new NoSuchFileException(file.toString(), null, "no stored object " + key);
		}
		Digests.verify(key, file, sha256);
		return file;
	}

	@Override
	public void delete(String key) throws IOException {
		Files.deleteIfExists(path(key));
	}

	@Override
	public void deleteAll(String prefix) throws IOException {
		Path root = this.dir.normalize();
		// only the folder the prefix's keys live in
		Path folder = path(prefix.substring(0, prefix.lastIndexOf('/') + 1));
		if (!Files.isDirectory(folder)) {
			return;
		}
		try (java.util.stream.Stream<Path> files = Files.walk(folder)) {
			for (Path file : files.filter(Files::isRegularFile).toList()) {
				String key = root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
				if (key.startsWith(prefix)) {
					Files.deleteIfExists(file);
				}
			}
		}
	}

	@Override
	public String describe() {
		return this.dir.toAbsolutePath().toString();
	}

	private Path path(String key) {
		Path file = this.dir.resolve(key).normalize();
		if (!file.startsWith(this.dir.normalize())) {
			throw new IllegalArgumentException("object key " + key + " leaves the storage directory");
		}
		return file;
	}

}

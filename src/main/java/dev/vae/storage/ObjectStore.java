package dev.vae.storage;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where checkpoints and datasets live: the local storage directory (the default) or an
 * S3-compatible bucket shared by every replica. Objects are written once under a new key
 * and never changed; each carries its SHA-256, and {@link #get} hands out a local copy
 * only after checking it against the digest recorded in the database.
 */
public interface ObjectStore {

	/**
	 * Stores {@code file} under {@code key}. The file is taken over (moved into the store
	 * or its cache); returns its SHA-256 as 64 hex digits.
	 */
	String put(String key, Path file) throws IOException;

	/**
	 * A local file with the object's bytes, checked against {@code sha256} (hex; null for
	 * objects stored before digests were recorded).
	 * @throws CorruptObjectException when the bytes do not match the digest; nothing is
	 * cached then
	 * @throws java.nio.file.NoSuchFileException when there is no such object
	 */
	Path get(String key, String sha256) throws IOException;

	/** Deletes the object (and any cached copy); no error when it is absent. */
	void delete(String key) throws IOException;

	/**
	 * Deletes every object whose key starts with {@code prefix} (and their cached
	 * copies): what a writer that died between two steps may have left behind.
	 */
	void deleteAll(String prefix) throws IOException;

	/**
	 * The object's address for other programs that read the bucket themselves (a Spark
	 * executor): {@code s3://bucket/key}; empty for the local directory.
	 */
	default Optional<URI> uri(String key) {
		return Optional.empty();
	}

	/** Where objects go, for logs: a directory or {@code s3://bucket/prefix}. */
	String describe();

}

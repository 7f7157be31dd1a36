package dev.vae.storage;

import dev.vae.system.AtomicFiles;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

/**
 * Objects in an S3-compatible bucket, shared by every replica, with a local cache: a
 * replica downloads an object once, to a temporary file, checks its SHA-256 and only then
 * renames it into the cache. A cached copy is checked again before every use and fetched
 * anew if it no longer matches.
 */
final class S3ObjectStore implements ObjectStore {

	private final S3Client s3;

	private final String bucket;

	private final String prefix;

	private final Path cache;

	S3ObjectStore(S3Client s3, String bucket, String prefix, Path cache) {
		this.s3 = s3;
		this.bucket = bucket;
		this.prefix = prefix;
		this.cache = cache;
	}

	@Override
	public String put(String key, Path file) throws IOException {
		String sha256 = Digests.sha256(file);
		this.s3.putObject((b) -> b.bucket(this.bucket).key(this.prefix + key).metadata(Map.of("sha256", sha256)),
				RequestBody.fromFile(file));
		Path cached = cached(key);
		Files.createDirectories(cached.getParent());
		AtomicFiles.move(file, cached);
		return sha256;
	}

	@Override
	public Path get(String key, String sha256) throws IOException {
		Path cached = cached(key);
		if (Files.exists(cached)) {
			try {
				Digests.verify(key, cached, sha256);
				return cached;
			}
			catch (CorruptObjectException ex) {
				// a damaged cache copy is not the object: drop it and fetch the object
				// again
				Files.deleteIfExists(cached);
			}
		}
		Path temp = AtomicFiles.temp(cached);
		try {
			try (ResponseInputStream<GetObjectResponse> in = this.s3
				.getObject((b) -> b.bucket(this.bucket).key(this.prefix + key))) {
				Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
			}
			catch (NoSuchKeyException ex) {
				throw new NoSuchFileException(describe() + key, null, "no stored object " + key);
			}
			Digests.verify(key, temp, sha256);
			AtomicFiles.move(temp, cached);
			return cached;
		}
		finally {
			Files.deleteIfExists(temp);
		}
	}

	@Override
	public void delete(String key) throws IOException {
		this.s3.deleteObject((b) -> b.bucket(this.bucket).key(this.prefix + key));
		Files.deleteIfExists(cached(key));
	}

	@Override
	public void deleteAll(String prefix) throws IOException {
		for (var page : this.s3.listObjectsV2Paginator((b) -> b.bucket(this.bucket).prefix(this.prefix + prefix))) {
			for (var object : page.contents()) {
				delete(object.key().substring(this.prefix.length()));
			}
		}
	}

	@Override
	public Optional<URI> uri(String key) {
		return Optional.of(URI.create("s3://" + this.bucket + "/" + this.prefix + key));
	}

	@Override
	public String describe() {
		return "s3://" + this.bucket + "/" + this.prefix;
	}

	private Path cached(String key) {
		Path file = this.cache.resolve(key).normalize();
		if (!file.startsWith(this.cache.normalize())) {
			throw new IllegalArgumentException("object key " + key + " leaves the cache directory");
		}
		return file;
	}

}

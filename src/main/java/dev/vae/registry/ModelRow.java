package dev.vae.registry;

import java.time.Instant;

/**
 * One stored model version.
 *
 * @param id its identifier
 * @param name the manifest's name
 * @param source builtin, job or upload
 * @param jobId the job that trained it, or null
 * @param manifest the manifest JSON
 * @param sizeBytes the checkpoint file's size
 * @param createdAt when it was registered
 * @param sha256 the checkpoint's SHA-256 (hex), checked before every load; null for
 * versions stored before digests were recorded
 */
public record ModelRow(String id, String name, String source, String jobId, String manifest, long sizeBytes,
		Instant createdAt, String sha256) {
}

package dev.vae.data;

import java.time.Instant;
import java.util.List;

/**
 * A stored dataset's metadata.
 *
 * @param id its identifier
 * @param name a human name
 * @param description where it came from
 * @param source shapes, idx or csv
 * @param count number of examples
 * @param height image height
 * @param width image width
 * @param channels image channels
 * @param hasLabels whether labels were stored
 * @param sizeBytes size of its files
 * @param createdAt when it was stored
 * @param sha256 SHA-256 (hex) of its values, checked before every read; null for datasets
 * stored before digests were recorded
 * @param labelsSha256 SHA-256 of its labels, or null
 */
public record DatasetRow(String id, String name, String description, String source, int count, int height, int width,
		int channels, boolean hasLabels, long sizeBytes, Instant createdAt, String sha256, String labelsSha256) {

	public List<Integer> shape() {
		return List.of(this.height, this.width, this.channels);
	}

	public int length() {
		return this.height * this.width * this.channels;
	}

}

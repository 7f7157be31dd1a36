package dev.vae.model.checkpoint;

import dev.vae.model.network.FormatOneArchitecture;

import java.time.Instant;

/**
 * What a checkpoint says about itself: enough to rebuild the network, check its
 * parameters and tell a person where it came from and how good it is.
 *
 * @param formatVersion checkpoint format, {@link FormatOneCheckpoint#FORMAT_VERSION}
 * @param name a human name for the model
 * @param createdAt when the checkpoint was written
 * @param architecture the network's shape, likelihood and β
 * @param parameterType how parameters are stored: {@code float32} little-endian
 * @param parameterCount number of parameters
 * @param parametersSha256 hex SHA-256 of the stored parameter bytes
 * @param training how the model was trained
 * @param metrics the final figures
 */
public record FormatOneManifest(int formatVersion, String name, Instant createdAt, FormatOneArchitecture architecture,
		String parameterType, long parameterCount, String parametersSha256, Manifest.TrainingInfo training,
		Manifest.Metrics metrics) {

	/**
	 * A manifest for a new checkpoint; format, count and checksum are filled in when it
	 * is written.
	 */
	public static FormatOneManifest draft(String name, FormatOneArchitecture architecture,
			Manifest.TrainingInfo training, Manifest.Metrics metrics) {
		return new FormatOneManifest(FormatOneCheckpoint.FORMAT_VERSION, name, Instant.now(), architecture, "float32",
				architecture.parameterCount(), null, training, metrics);
	}

	FormatOneManifest withParameters(long count, String sha256) {
		return new FormatOneManifest(this.formatVersion, this.name, this.createdAt, this.architecture,
				this.parameterType, count, sha256, this.training, this.metrics);
	}

}

package dev.vae.model.checkpoint;

import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.LayeredArchitecture;
import dev.vae.model.network.Presets;

import java.time.Instant;

/**
 * What a format-2 checkpoint says about itself: the layered architecture, the counts and
 * checksums of its two arrays (trainable parameters, and buffers such as batch-norm
 * running statistics), and the same provenance and figures as format 1.
 *
 * @param formatVersion 2 for a layered checkpoint; 1 when read from a format-1 file
 * @param name a human name for the model
 * @param createdAt when the checkpoint was written
 * @param architecture the layers, latent size, head and β
 * @param parameterType how both arrays are stored: {@code float32} little-endian
 * @param parameterCount number of trainable parameters
 * @param parametersSha256 hex SHA-256 of the stored parameter bytes
 * @param bufferCount number of buffer values
 * @param buffersSha256 hex SHA-256 of the stored buffer bytes
 * @param training how the model was trained
 * @param metrics the final figures
 */
public record LayeredManifest(int formatVersion, String name, Instant createdAt, LayeredArchitecture architecture,
		String parameterType, long parameterCount, String parametersSha256, long bufferCount, String buffersSha256,
		FormatOneManifest.TrainingInfo training, FormatOneManifest.Metrics metrics) {

	/**
	 * A manifest for a new checkpoint; counts and checksums are filled in when written.
	 */
	public static LayeredManifest draft(String name, LayeredArchitecture architecture,
			FormatOneManifest.TrainingInfo training, FormatOneManifest.Metrics metrics) {
		return new LayeredManifest(LayeredCheckpoint.FORMAT_VERSION, name, Instant.now(), architecture, "float32",
				architecture.parameterCount(), null, architecture.bufferCount(), null, training, metrics);
	}

	LayeredManifest withArrays(String parametersSha256, String buffersSha256) {
		return new LayeredManifest(LayeredCheckpoint.FORMAT_VERSION, this.name, this.createdAt, this.architecture,
				"float32", this.architecture.parameterCount(), parametersSha256, this.architecture.bufferCount(),
				buffersSha256, this.training, this.metrics);
	}

	/**
	 * A format-1 manifest in this form, its architecture as
	 * {@link Presets#of(FormatOneArchitecture)}.
	 */
	public static LayeredManifest of(FormatOneManifest formatOne) {
		return new LayeredManifest(formatOne.formatVersion(), formatOne.name(), formatOne.createdAt(),
				Presets.of(formatOne.architecture()), formatOne.parameterType(), formatOne.parameterCount(),
				formatOne.parametersSha256(), 0, null, formatOne.training(), formatOne.metrics());
	}

}

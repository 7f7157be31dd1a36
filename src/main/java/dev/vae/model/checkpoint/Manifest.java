package dev.vae.model.checkpoint;

import dev.vae.model.network.Architecture;
import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.Presets;
import dev.vae.model.train.TrainingOptions;

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
public record Manifest(int formatVersion, String name, Instant createdAt, Architecture architecture,
		String parameterType, long parameterCount, String parametersSha256, long bufferCount, String buffersSha256,
		TrainingInfo training, Metrics metrics) {

	/**
	 * A manifest for a new checkpoint; counts and checksums are filled in when written.
	 */
	public static Manifest draft(String name, Architecture architecture, TrainingInfo training, Metrics metrics) {
		return new Manifest(Checkpoint.FORMAT_VERSION, name, Instant.now(), architecture, "float32",
				architecture.parameterCount(), null, architecture.bufferCount(), null, training, metrics);
	}

	Manifest withArrays(String parametersSha256, String buffersSha256) {
		return new Manifest(Checkpoint.FORMAT_VERSION, this.name, this.createdAt, this.architecture, "float32",
				this.architecture.parameterCount(), parametersSha256, this.architecture.bufferCount(), buffersSha256,
				this.training, this.metrics);
	}

	/**
	 * A format-1 manifest in this form, its architecture as
	 * {@link Presets#of(FormatOneArchitecture)}.
	 */
	public static Manifest of(FormatOneManifest formatOne) {
		return new Manifest(formatOne.formatVersion(), formatOne.name(), formatOne.createdAt(),
				Presets.of(formatOne.architecture()), formatOne.parameterType(), formatOne.parameterCount(),
				formatOne.parametersSha256(), 0, null, formatOne.training(), formatOne.metrics());
	}

	/**
	 * How the model was trained.
	 *
	 * @param dataset a description of the training data
	 * @param trainExamples examples trained on
	 * @param validationExamples held-out examples evaluated on
	 * @param epochs passes over the training data
	 * @param batchSize minibatch size
	 * @param learningRate Adam step size
	 * @param seed seed of initialisation, shuffling and noise
	 * @param seconds wall time of training
	 * @param options the training options (KL warm-up, free bits, early stopping,
	 * learning-rate schedule, clipping); null when none were set and in checkpoints
	 * written before they existed
	 * @param epochsRun epochs trained (fewer than {@code epochs} when stopped early);
	 * null in older checkpoints
	 * @param bestEpoch with early stopping, the epoch whose parameters these are (the
	 * lowest validation −ELBO); else null
	 */
	public record TrainingInfo(String dataset, int trainExamples, int validationExamples, int epochs, int batchSize,
			double learningRate, long seed, double seconds, TrainingOptions options, Integer epochsRun,
			Integer bestEpoch) {

		/** Provenance without training options (imports, the built-in model). */
		public TrainingInfo(String dataset, int trainExamples, int validationExamples, int epochs, int batchSize,
				double learningRate, long seed, double seconds) {
			this(dataset, trainExamples, validationExamples, epochs, batchSize, learningRate, seed, seconds, null, null,
					null);
		}

	}

	/**
	 * Final figures, means per input in nats.
	 *
	 * @param trainNegElbo training −ELBO of the last epoch
	 * @param validationNegElbo held-out −ELBO (one z per input)
	 * @param validationReconstruction held-out reconstruction NLL
	 * @param validationKl held-out KL
	 * @param baselineNegLogLikelihood held-out NLL of the per-pixel-mean model the VAE
	 * should beat
	 */
	public record Metrics(double trainNegElbo, double validationNegElbo, double validationReconstruction,
			double validationKl, double baselineNegLogLikelihood) {
	}

}

package dev.vae.model.checkpoint;

import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.train.TrainingOptions;

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
		String parameterType, long parameterCount, String parametersSha256, TrainingInfo training, Metrics metrics) {

	/**
	 * A manifest for a new checkpoint; format, count and checksum are filled in when it
	 * is written.
	 */
	public static FormatOneManifest draft(String name, FormatOneArchitecture architecture, TrainingInfo training,
			Metrics metrics) {
		return new FormatOneManifest(FormatOneCheckpoint.FORMAT_VERSION, name, Instant.now(), architecture, "float32",
				architecture.parameterCount(), null, training, metrics);
	}

	FormatOneManifest withParameters(long count, String sha256) {
		return new FormatOneManifest(this.formatVersion, this.name, this.createdAt, this.architecture,
				this.parameterType, count, sha256, this.training, this.metrics);
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

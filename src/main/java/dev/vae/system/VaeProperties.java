package dev.vae.system;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The service's settings, under {@code vae.*}.
 *
 * @param model which model to serve at startup
 * @param limits request limits, enforced before any work starts
 * @param nativeThreads threads ND4J and OpenBLAS use per operation (1 was fastest on 2
 * cores)
 * @param storage where models, datasets and the database live
 * @param jobs background training
 * @param batching micro-batching of inference
 * @param security API keys
 * @param intake bounds on images, large bodies and uploads
 */
@ConfigurationProperties("vae")
@Validated
public record VaeProperties(@Valid @DefaultValue Model model, @Valid @DefaultValue Limits limits,
		@DefaultValue("1") @Positive int nativeThreads, @Valid @DefaultValue Storage storage,
		@Valid @DefaultValue Jobs jobs, @Valid @DefaultValue Batching batching, @Valid @DefaultValue Security security,
		@Valid @DefaultValue Intake intake) {

	/**
	 * How much the service takes in at once: the bounds that keep memory flat whatever a
	 * client sends. Large requests (image bodies, multipart images, bodies over
	 * {@code largeBody}) and uploads each take a permit for their whole duration; a
	 * request that finds none free within {@code maxWait} is answered 429 with
	 * Retry-After.
	 *
	 * @param maxImageBytes the largest encoded image accepted (a body or one part)
	 * @param maxImagePixels the most pixels (width × height × frames) an image's header
	 * may declare; larger images are refused before they are decoded
	 * @param maxImageSide the widest or tallest image accepted, in pixels
	 * @param largeBody inference bodies above this size count as large
	 * @param largeRequests large inference requests (images, large bodies) served at once
	 * @param uploads uploads (checkpoints, datasets) received at once
	 * @param maxWait how long a request may wait for a permit before it is refused
	 */
	public record Intake(@DefaultValue("4MB") org.springframework.util.unit.DataSize maxImageBytes,
			@DefaultValue("16777216") @Positive long maxImagePixels, @DefaultValue("16384") @Positive int maxImageSide,
			@DefaultValue("256KB") org.springframework.util.unit.DataSize largeBody,
			@DefaultValue("2") @Positive int largeRequests, @DefaultValue("2") @Positive int uploads,
			@DefaultValue("10s") java.time.Duration maxWait) {
	}

	/**
	 * API keys.
	 *
	 * @param apiKeys accepted bearer keys (environment VAE_SECURITY_API_KEYS,
	 * comma-separated); none: no authentication
	 * @param protectInference whether the inference endpoints need a key too
	 */
	public record Security(@DefaultValue List<String> apiKeys, @DefaultValue("false") boolean protectInference) {

		public Security {
			apiKeys = (apiKeys == null) ? List.of() : List.copyOf(apiKeys);
		}

		@Override
		public String toString() {
			return "Security[apiKeys=" + this.apiKeys.size() + " configured, protectInference=" + this.protectInference
					+ "]";
		}

	}

	/**
	 * Micro-batching of concurrent inference requests.
	 *
	 * @param enabled whether concurrent requests share forward passes
	 * @param maxBatch the most rows in one pass
	 * @param maxWait how long a pass may wait for more rows once it has some (0: take
	 * what is waiting)
	 * @param threads threads that run batched passes
	 */
	public record Batching(@DefaultValue("true") boolean enabled, @DefaultValue("32") @Positive int maxBatch,
			@DefaultValue("0ms") java.time.Duration maxWait, @DefaultValue("1") @Positive int threads) {
	}

	/**
	 * Where models, datasets and the database live, and how much of them.
	 *
	 * @param dir the storage directory (models/, datasets/, jobs/, db/)
	 * @param maxUpload the largest checkpoint or dataset upload
	 * @param maxDatasets the most stored datasets
	 * @param maxModels the most stored model versions
	 * @param maxDatasetValues the most values (images × pixels) one dataset may hold
	 */
	public record Storage(@DefaultValue("./data") java.nio.file.Path dir,
			@DefaultValue("200MB") org.springframework.util.unit.DataSize maxUpload,
			@DefaultValue("100") @Positive int maxDatasets, @DefaultValue("100") @Positive int maxModels,
			@DefaultValue("50000000") @Positive long maxDatasetValues) {
	}

	/**
	 * Background training. Jobs wait in the database; every replica takes them from
	 * there, holds each with a lease it renews, and re-queues those whose replica stopped
	 * renewing, to continue from their last training checkpoint.
	 *
	 * @param concurrency jobs that train at once on this replica
	 * @param queueLength jobs that may wait (for all replicas together); a full queue
	 * answers 429
	 * @param maxEpochs the most epochs one job may ask for
	 * @param retryAfter what a 429 tells the client to wait
	 * @param pollInterval how often a replica renews its leases, looks for cancellations
	 * and queued jobs, and re-queues jobs whose lease expired
	 * @param lease how long a running job stays held without a renewal; a job whose
	 * replica died is re-queued this long after its last renewal
	 * @param claim whether this replica trains at all (false: inference only)
	 * @param checkpointInterval a running job writes a training checkpoint after every
	 * epoch and, within an epoch, every this many minibatches (0: at epoch ends only)
	 * @param maxResumes how often an interrupted job is resumed before it fails instead
	 */
	public record Jobs(@DefaultValue("1") @Positive int concurrency, @DefaultValue("4") @Positive int queueLength,
			@DefaultValue("1000") @Positive int maxEpochs, @DefaultValue("30s") java.time.Duration retryAfter,
			@DefaultValue("1s") java.time.Duration pollInterval, @DefaultValue("30s") java.time.Duration lease,
			@DefaultValue("true") boolean claim, @DefaultValue("1000") @PositiveOrZero int checkpointInterval,
			@DefaultValue("5") @PositiveOrZero int maxResumes) {
	}

	/**
	 * The model served at startup.
	 *
	 * @param checkpoint location of the checkpoint: {@code classpath:...},
	 * {@code file:...} or a path
	 * @param maxParameters the largest parameter count a checkpoint may declare
	 */
	public record Model(@DefaultValue("classpath:models/default.vae") @NotBlank String checkpoint,
			@DefaultValue("50000000") @Positive long maxParameters) {
	}

	/**
	 * Per-request limits.
	 *
	 * @param maxBatch the most vectors in one request ({@code inputs} or {@code z})
	 * @param maxSamples the most latent draws per input ({@code samples})
	 * @param maxSampleCount the most draws one {@code /sample} call may ask for
	 * ({@code n})
	 * @param maxTemperature the largest {@code temperature} for {@code /sample}
	 * @param maxIwaeK the most importance samples per input ({@code iwae_k}) for
	 * {@code /loss}
	 * @param maxDecodes the most latent vectors one {@code /loss} request may decode:
	 * inputs × (samples + iwae_k)
	 */
	public record Limits(@DefaultValue("256") @Positive int maxBatch, @DefaultValue("1000") @Positive int maxSamples,
			@DefaultValue("1024") @Positive int maxSampleCount, @DefaultValue("10") @Positive double maxTemperature,
			@DefaultValue("5000") @Positive int maxIwaeK, @DefaultValue("100000") @Positive int maxDecodes,
			@DefaultValue("4MB") org.springframework.util.unit.DataSize maxRequestBody) {
	}

}

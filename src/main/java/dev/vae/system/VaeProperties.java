package dev.vae.system;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;

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
 */
@ConfigurationProperties("vae")
@Validated
public record VaeProperties(@Valid @DefaultValue Model model, @Valid @DefaultValue Limits limits,
		@DefaultValue("1") @Positive int nativeThreads) {

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
			@DefaultValue("5000") @Positive int maxIwaeK, @DefaultValue("100000") @Positive int maxDecodes) {
	}

}

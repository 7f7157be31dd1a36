package dev.vae.system;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Anomaly scores and their calibration, under {@code vae.anomaly.*}.
 *
 * @param fpr the false-positive rate whose threshold decides {@code anomalous} when a
 * request names none, in (0, 1)
 * @param k importance samples per input for −log p(x) when a request names none (and for
 * the reference a training job stores)
 * @param maxK the most importance samples one input may ask for
 * @param maxReference the most held-out examples scored into a reference (and the most
 * known anomalies a job scores)
 */
@ConfigurationProperties("vae.anomaly")
@Validated
public record AnomalySettings(
		@DefaultValue("0.01") @DecimalMin(value = "0", inclusive = false) @DecimalMax(value = "1",
				inclusive = false) double fpr,
		@DefaultValue("100") @Positive int k, @DefaultValue("1000") @Positive int maxK,
		@DefaultValue("10000") @Positive int maxReference) {

	/** The defaults, for tests and tools. */
	public static AnomalySettings defaults() {
		return new AnomalySettings(0.01, 100, 1000, 10000);
	}

}

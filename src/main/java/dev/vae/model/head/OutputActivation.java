package dev.vae.model.head;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;

/** The decoder's output activation: its mean x̂ = f(η) from the pre-activation η. */
public enum OutputActivation {

	SIGMOID, TANH, IDENTITY;

	/** x̂ = f(η). */
	public double apply(double eta) {
		return switch (this) {
			case SIGMOID -> Reconstruction.mean(eta);
			case TANH -> Math.tanh(eta);
			case IDENTITY -> eta;
		};
	}

	/** dx̂/dη written with x̂ = f(η): x̂(1 − x̂), 1 − x̂², 1. */
	public double derivative(double mean) {
		return switch (this) {
			case SIGMOID -> mean * (1 - mean);
			case TANH -> 1 - mean * mean;
			case IDENTITY -> 1;
		};
	}

	/**
	 * The η whose activation is {@code mean}, the mean first kept 10⁻⁶ inside the open
	 * range of σ and tanh: logit(m), artanh(m) = ½ log((1 + m)/(1 − m)), m.
	 */
	public double inverse(double mean) {
		return switch (this) {
			case SIGMOID -> {
				double p = Math.min(1 - 1e-6, Math.max(1e-6, mean));
				yield Math.log(p / (1 - p));
			}
			case TANH -> {
				double m = Math.min(1 - 1e-6, Math.max(-1 + 1e-6, mean));
				yield 0.5 * Math.log((1 + m) / (1 - m));
			}
			case IDENTITY -> mean;
		};
	}

	@JsonValue
	public String wireName() {
		return name().toLowerCase();
	}

	@JsonCreator
	public static OutputActivation fromWireName(String name) {
		return Arrays.stream(values())
			.filter((a) -> a.wireName().equalsIgnoreCase(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException(
					"unknown output activation '" + name + "': expected one of sigmoid, tanh, identity"));
	}

}

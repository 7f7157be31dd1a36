package dev.vae.model.head;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The decoder's likelihood p(x|z). Every decoder emits logits η; its mean is x̂ = σ(η)
 * for all three, so the reconstruction terms of one decoder output can be compared side
 * by side. The per-pixel negative log-likelihoods are computed in double precision from
 * η, which needs no clamping of x̂ (see {@link Reconstruction}).
 */
public enum Likelihood {

	/** Bernoulli with p = σ(η): the NLL is exactly the binary cross-entropy. */
	BERNOULLI("bernoulli") {
		@Override
		public double nll(double x, double eta, double sigma) {
			return Reconstruction.bce(x, eta);
		}
	},

	/**
	 * Gaussian with mean σ(η) and a fixed standard deviation σ: NLL = (x − x̂)²/(2σ²) +
	 * log σ + ½ log 2π.
	 */
	GAUSSIAN("gaussian") {
		@Override
		public double nll(double x, double eta, double sigma) {
			return Reconstruction.gaussianNll(x, Reconstruction.mean(eta), sigma);
		}
	},

	/**
	 * Continuous Bernoulli (Loaiza-Ganem &amp; Cunningham, 2019): NLL = BCE − log C(λ), λ
	 * = σ(η).
	 */
	CONTINUOUS_BERNOULLI("continuous-bernoulli") {
		@Override
		public double nll(double x, double eta, double sigma) {
			return Reconstruction.bce(x, eta) - ContinuousBernoulli.logNormaliserOfLogit(eta);
		}
	};

	private final String wireName;

	Likelihood(String wireName) {
		this.wireName = wireName;
	}

	/**
	 * Negative log-likelihood in nats of one value x given the decoder's logit η (σ is
	 * used by Gaussian only).
	 */
	public abstract double nll(double x, double eta, double sigma);

	/**
	 * One draw x ~ p(x | η): Bernoulli 0/1, Gaussian x̂ + σ·N(0, 1), continuous Bernoulli
	 * by its inverse CDF.
	 */
	public double sample(double eta, double sigma, RandomGenerator random) {
		return switch (this) {
			case BERNOULLI -> (random.nextDouble() < Reconstruction.mean(eta)) ? 1 : 0;
			case GAUSSIAN -> Reconstruction.mean(eta) + sigma * random.nextGaussian();
			case CONTINUOUS_BERNOULLI -> ContinuousBernoulli.sample(eta, random.nextDouble());
		};
	}

	/** Whether x must lie in [0, 1] for this likelihood to be defined. */
	public boolean requiresUnitInterval() {
		return this != GAUSSIAN;
	}

	@JsonValue
	public String wireName() {
		return this.wireName;
	}

	@JsonCreator
	public static Likelihood fromWireName(String name) {
		return Arrays.stream(values())
			.filter((l) -> l.wireName.equalsIgnoreCase(name) || l.name().equalsIgnoreCase(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException(
					"unknown likelihood '" + name + "': expected one of bernoulli, gaussian, continuous-bernoulli"));
	}

}

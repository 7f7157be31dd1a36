package dev.vae.model.head;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The per-value terms against their textbook forms, computed here directly. */
class ReconstructionTests {

	@ParameterizedTest
	@ValueSource(doubles = { -30, -4.2, -0.5, 0, 1e-9, 0.7, 3.3, 25 })
	void bceFromLogitsEqualsTheCrossEntropyOfTheMean(double eta) {
		double p = 1 / (1 + Math.exp(-eta));
		for (double x : new double[] { 0, 0.25, 1 }) {
			double textbook = -(x * Math.log(p) + (1 - x) * Math.log(1 - p));
			// the textbook form is only accurate while 1 − p keeps its digits
			if (p > 1e-6 && p < 1 - 1e-6) {
				assertThat(Reconstruction.bce(x, eta)).isCloseTo(textbook, within(1e-12 * (1 + Math.abs(textbook))));
			}
		}
	}

	@Test
	void bceStaysExactWhereTheMeanRoundsToOne() {
		// σ(40) = 1 − 4.2e-18 is 1.0 in double, but −log(1 − σ(40)) = 40 + log1p(e^−40)
		// is finite
		assertThat(Reconstruction.bce(0, 40)).isCloseTo(40 + Math.exp(-40), within(1e-12));
		assertThat(Reconstruction.bce(1, 40)).isCloseTo(Math.exp(-40), within(1e-30));
	}

	@Test
	void gaussianNllIsSseOverTwoSigmaSquaredPlusTheConstant() {
		double sigma = 0.3;
		assertThat(Reconstruction.gaussianNll(0.9, 0.4, sigma))
			.isCloseTo(0.25 / (2 * 0.09) + Math.log(0.3) + 0.5 * Math.log(2 * Math.PI), within(1e-14));
	}

	@Test
	void klMatchesTheClosedFormAndVanishesAtThePrior() {
		assertThat(Reconstruction.kl(0, 0)).isZero();
		double mu = 0.8;
		double logvar = -1.3;
		assertThat(Reconstruction.kl(mu, logvar)).isCloseTo(0.5 * (mu * mu + Math.exp(logvar) - 1 - logvar),
				within(1e-15));
		// near the prior, expm1 keeps the digits that e^lv − 1 − lv would cancel away
		assertThat(Reconstruction.kl(0, 1e-8)).isCloseTo(0.25e-16, within(1e-24));
	}

	@Test
	void logDensitiesAreNormalDensities() {
		assertThat(Reconstruction.logStandardNormal(1.5)).isCloseTo(Math.log(Math.exp(-1.125) / Math.sqrt(2 * Math.PI)),
				within(1e-14));
		double sd = Math.exp(0.5 * -0.4);
		assertThat(Reconstruction.logNormal(0.3, -0.2, -0.4)).isCloseTo(
				Math.log(Math.exp(-0.5 * Math.pow((0.3 + 0.2) / sd, 2)) / (sd * Math.sqrt(2 * Math.PI))),
				within(1e-14));
	}

}

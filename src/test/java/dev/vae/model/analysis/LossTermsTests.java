package dev.vae.model.analysis;

import dev.vae.model.head.ContinuousBernoulli;
import dev.vae.model.head.Reconstruction;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link LossAnalysis.Terms#of}, the one-pass form of the reconstruction terms, against
 * the per-value forms it replaces on /loss's hot path ({@link Reconstruction#mean},
 * {@link Reconstruction#bce}, {@link ContinuousBernoulli#logNormaliserOfLogit}), which
 * keep their own closed-form tests. Near the continuous Bernoulli's switch to its series
 * the one-pass form is the more exact of the two (expm1 where the closed form cancels),
 * so there both are held to the series.
 */
class LossTermsTests {

	/** The terms summed value by value with the reference forms. */
	private static double[] reference(double[] x, double[] eta) {
		double bce = 0;
		double sse = 0;
		double logC = 0;
		for (int j = 0; j < x.length; j++) {
			double d = x[j] - Reconstruction.mean(eta[j]);
			sse += d * d;
			bce += Reconstruction.bce(x[j], eta[j]);
			logC += logC(eta[j]);
		}
		return new double[] { bce, sse, logC };
	}

	/**
	 * log C(η) to double precision: the closed form loses up to 2·10⁻¹⁶/|η| to
	 * cancellation below |η| ≈ 0.7 (10⁻¹³ at its switch to the series, 10⁻³), so below
	 * |η| = 0.05 the series log 2 + η²/12 − 7η⁴/1440 + 31η⁶/90720 stands in (next term
	 * under 10⁻¹⁵).
	 */
	private static double logC(double eta) {
		if (Math.abs(eta) >= 0.05) {
			return ContinuousBernoulli.logNormaliserOfLogit(eta);
		}
		double e2 = eta * eta;
		return Math.log(2) + e2 / 12 - 7 * e2 * e2 / 1440 + 31 * e2 * e2 * e2 / 90720;
	}

	private static void assertSameTerms(double[] x, double[] eta, double relative) {
		double[] expected = reference(x, eta);
		LossAnalysis.Terms t = LossAnalysis.Terms.of(x, eta, 0.3, true);
		assertThat(t.bce()).isCloseTo(expected[0], within(relative * expected[0]));
		assertThat(t.sse()).isCloseTo(expected[1], within(relative * expected[1]));
		assertThat(t.logNormaliser()).isCloseTo(expected[2], within(relative * expected[2]));
		assertThat(t.mse()).isEqualTo(t.sse() / x.length);
		assertThat(t.gaussianNll())
			.isEqualTo(t.sse() / (2 * 0.09) + x.length * (Math.log(0.3) + Reconstruction.HALF_LOG_TWO_PI));
	}

	/** One value at a time: each logit on its own, across every branch of both forms. */
	@ParameterizedTest
	@ValueSource(doubles = { 0, 1e-9, -1e-9, 1e-4, -9.99e-4, 1e-3, -1e-3, 1.001e-3, 0.01, -0.3, 0.69, 0.7, -0.71, 1,
			-2.5, 5, 17, -17, 36, 37.5, -40, 100, 9_999, 10_001, -1e6, 1e30 })
	void eachValueMatchesThePerValueForms(double eta) {
		for (double x : new double[] { 0, 1e-4, 0.25, 0.5, 0.9999, 1 }) {
			assertSameTerms(new double[] { x }, new double[] { eta }, 1e-14);
		}
	}

	/** 784 values of a realistic spread, 200 times: the sums agree to 10⁻¹⁴. */
	@Test
	void wholeOutputsMatchThePerValueForms() {
		SplittableRandom random = new SplittableRandom(5);
		for (int r = 0; r < 200; r++) {
			double[] x = new double[784];
			double[] eta = new double[784];
			double scale = Math.pow(10, random.nextDouble(-4, 1.5));
			for (int j = 0; j < x.length; j++) {
				x[j] = random.nextInt(10_001) / 10_000.0;
				eta[j] = scale * random.nextDouble(-3, 3);
			}
			assertSameTerms(x, eta, 1e-14);
		}
	}

	/**
	 * x = 1, η = 40 everywhere: each BCE is e^−40 (x̂ rounds to 1), and the sum keeps it.
	 */
	@Test
	void tinyLossesAreNotRoundedAway() {
		double[] x = new double[784];
		double[] eta = new double[784];
		java.util.Arrays.fill(x, 1);
		java.util.Arrays.fill(eta, 40);
		LossAnalysis.Terms t = LossAnalysis.Terms.of(x, eta, 1, true);
		assertThat(t.bce()).isCloseTo(784 * Math.exp(-40), within(1e-13 * 784 * Math.exp(-40)));
	}

	/** Without the [0, 1] terms only SSE and the Gaussian NLL are computed. */
	@Test
	void gaussianOnlyTermsSkipTheUnitOnes() {
		LossAnalysis.Terms t = LossAnalysis.Terms.of(new double[] { -3, 7 }, new double[] { 0, 0 }, 1, false);
		assertThat(t.bce()).isNaN();
		assertThat(t.logNormaliser()).isNaN();
		assertThat(t.sse()).isEqualTo(3.5 * 3.5 + 6.5 * 6.5);
	}

}

package dev.vae.model.head;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ContinuousBernoulliTests {

	@Test
	void normaliserAtOneHalfIsTwo() {
		assertThat(ContinuousBernoulli.logNormaliser(0.5)).isEqualTo(Math.log(2));
		assertThat(ContinuousBernoulli.logNormaliserOfLogit(0)).isEqualTo(Math.log(2));
	}

	@ParameterizedTest
	@ValueSource(doubles = { 1e-9, 0.001, 0.1, 0.3, 0.4999, 0.5001, 0.62, 0.9, 0.999999 })
	void normaliserIsTheReciprocalOfTheIntegralOfTheKernel(double lambda) {
		// C(λ) = 1 / ∫₀¹ λ^x (1 − λ)^(1−x) dx, integrated by Simpson's rule on 20,000
		// intervals
		int n = 20_000;
		double sum = 0;
		for (int i = 0; i <= n; i++) {
			double x = (double) i / n;
			double w = (i == 0 || i == n) ? 1 : (i % 2 == 1) ? 4 : 2;
			sum += w * Math.exp(x * Math.log(lambda) + (1 - x) * Math.log1p(-lambda));
		}
		double integral = sum / (3.0 * n);
		assertThat(ContinuousBernoulli.logNormaliser(lambda)).isCloseTo(-Math.log(integral), within(1e-9));
	}

	@ParameterizedTest
	@ValueSource(doubles = { -40, -7.5, -0.3, -1e-4, 1e-6, 0.002, 0.05, 1.1, 12, 300 })
	void logitAndMeanFormsAgree(double eta) {
		double lambda = Reconstruction.mean(eta);
		if (lambda > 0 && lambda < 1) {
			assertThat(ContinuousBernoulli.logNormaliserOfLogit(eta))
				.isCloseTo(ContinuousBernoulli.logNormaliser(lambda), within(1e-9));
		}
	}

	@Test
	void seriesAndClosedFormMeetAtTheSwitch() {
		double below = Math.nextDown(1e-3);
		double closed = Math.log(below) - Math.log(Math.tanh(below / 2));
		assertThat(ContinuousBernoulli.logNormaliserOfLogit(below)).isCloseTo(closed, within(1e-12));
		double derivative = 1 / below - 1 / Math.sinh(below);
		assertThat(ContinuousBernoulli.logNormaliserDerivative(below)).isCloseTo(derivative, within(1e-9));
	}

	@ParameterizedTest
	@ValueSource(doubles = { -3, -0.2, 0.4, 2.5 })
	void derivativeMatchesFiniteDifferences(double eta) {
		double h = 1e-6;
		double numeric = (ContinuousBernoulli.logNormaliserOfLogit(eta + h)
				- ContinuousBernoulli.logNormaliserOfLogit(eta - h)) / (2 * h);
		assertThat(ContinuousBernoulli.logNormaliserDerivative(eta)).isCloseTo(numeric, within(1e-8));
	}

	@Test
	void samplesHaveTheDistributionsMean() {
		// E[x] = λ/(2λ − 1) + 1/(2 artanh(1 − 2λ)) for λ ≠ ½
		double eta = 1.4;
		double lambda = Reconstruction.mean(eta);
		double mean = lambda / (2 * lambda - 1) + 1 / Math.log((1 - lambda) / lambda);
		SplittableRandom random = new SplittableRandom(5);
		int n = 200_000;
		double sum = 0;
		double sumSq = 0;
		for (int i = 0; i < n; i++) {
			double x = ContinuousBernoulli.sample(eta, random.nextDouble());
			assertThat(x).isBetween(0.0, 1.0);
			sum += x;
			sumSq += x * x;
		}
		double average = sum / n;
		double standardError = Math.sqrt((sumSq / n - average * average) / n);
		assertThat(average).isCloseTo(mean, within(5 * standardError));
	}

}

package dev.vae.model.head;

import dev.vae.model.Examples;
import dev.vae.model.ModelFixtures;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Presets;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Each decoder head's NLL against {@link ReferenceHeads} and its gradient against central
 * differences of the reference, in double precision.
 */
class DecoderHeadTests {

	@ParameterizedTest
	@MethodSource("dev.vae.model.ModelFixtures#heads")
	void nllMatchesTheDensityAndItsGradientMatchesFiniteDifferences(DecoderHead head) {
		SplittableRandom random = new SplittableRandom(3);
		int d = 7;
		double[] x = new double[d];
		for (int j = 0; j < d; j++) {
			x[j] = random.nextDouble();
		}
		double[] eta = new double[head.outputChannels(1) * d];
		for (int j = 0; j < eta.length; j++) {
			eta[j] = 3 * random.nextDouble() - 1.5;
		}
		// one value in the continuous Bernoulli's series range
		eta[2] = 2e-4;
		double[] gradient = new double[eta.length];
		double nll = head.nll(x, 0, eta, 0, d, gradient);
		assertThat(nll).isCloseTo(ReferenceHeads.nll(head, x, eta), within(1e-12 * Math.max(1, Math.abs(nll))));
		assertThat(head.nll(x, 0, eta, 0, d, null)).isEqualTo(nll);
		double h = 1e-6;
		for (int j = 0; j < eta.length; j++) {
			double[] plus = eta.clone();
			plus[j] += h;
			double[] minus = eta.clone();
			minus[j] -= h;
			double numeric = (ReferenceHeads.nll(head, x, plus) - ReferenceHeads.nll(head, x, minus)) / (2 * h);
			assertThat(gradient[j]).as("d/dη[%d]", j).isCloseTo(numeric, within(1e-7 + 1e-6 * Math.abs(numeric)));
		}
	}

	@Test
	void theCalibratedGaussianIsTheFixedGaussianAtItsOptimalSigma() {
		double[] x = { 0.1, 0.5, 0.9 };
		double[] eta = { 0.2, -0.4, 1.1 };
		double[] mean = new DecoderHead.CalibratedGaussian(OutputActivation.SIGMOID).mean(eta, 3);
		double mse = 0;
		for (int j = 0; j < 3; j++) {
			mse += (x[j] - mean[j]) * (x[j] - mean[j]) / 3;
		}
		double calibrated = new DecoderHead.CalibratedGaussian(OutputActivation.SIGMOID).nll(x, 0, eta, 0, 3, null);
		double atOptimum = new DecoderHead.FixedGaussian(OutputActivation.SIGMOID, Math.sqrt(mse)).nll(x, 0, eta, 0, 3,
				null);
		double elsewhere = new DecoderHead.FixedGaussian(OutputActivation.SIGMOID, 1.1 * Math.sqrt(mse)).nll(x, 0, eta,
				0, 3, null);
		assertThat(calibrated).isCloseTo(atOptimum, within(1e-12)).isLessThan(elsewhere);
	}

	@Test
	void thePixelMeanBaselineMatchesFormatOnesAndTheGaussianEntropy() {
		Examples data = ModelFixtures.twoPatterns(50, 3);
		Architecture bernoulli = Presets.of(ModelFixtures.aTinyArchitecture());
		// format 1's baseline: each pixel's mean clamped to [10⁻⁶, 1 − 10⁻⁶], summed BCE
		double[] p = new double[6];
		for (int i = 0; i < data.count(); i++) {
			for (int j = 0; j < 6; j++) {
				p[j] += data.row(i)[j] / data.count();
			}
		}
		double bce = 0;
		for (int i = 0; i < data.count(); i++) {
			for (int j = 0; j < 6; j++) {
				double q = Math.min(1 - 1e-6, Math.max(1e-6, p[j]));
				double x = data.row(i)[j];
				bce -= x * Math.log(q) + (1 - x) * Math.log(1 - q);
			}
		}
		assertThat(Evaluation.pixelMeanBaseline(bernoulli, data, data)).isCloseTo(bce / data.count(), within(1e-9));
		Architecture learned = Presets.mlp(java.util.List.of(6), java.util.List.of(3), 2,
				dev.vae.model.layer.Activation.of(dev.vae.model.layer.Activation.Function.TANH),
				new DecoderHead.LearnedGaussian(OutputActivation.IDENTITY), 1);
		// on its own training data the fitted Gaussian's NLL is Σⱼ ½ (1 + log 2π σⱼ²)
		double expected = 0;
		for (int j = 0; j < 6; j++) {
			double mean = 0;
			for (int i = 0; i < 50; i++) {
				mean += data.row(i)[j] / 50;
			}
			double variance = 0;
			for (int i = 0; i < 50; i++) {
				variance += (data.row(i)[j] - mean) * (data.row(i)[j] - mean) / 50;
			}
			expected += 0.5 * (1 + Math.log(2 * Math.PI * variance));
		}
		assertThat(Evaluation.pixelMeanBaseline(learned, data, data)).isCloseTo(expected, within(1e-6));
	}

	@Test
	void formatOneLikelihoodsMapOntoHeadsWithTheSameNll() {
		double[] x = { 0.1, 0.5, 0.9 };
		double[] eta = { 0.2, -0.4, 1.1 };
		for (Likelihood likelihood : Likelihood.values()) {
			double expected = 0;
			for (int j = 0; j < 3; j++) {
				expected += likelihood.nll(x[j], eta[j], 0.6);
			}
			assertThat(DecoderHead.of(likelihood, 0.6).nll(x, 0, eta, 0, 3, null)).as(likelihood.name())
				.isCloseTo(expected, within(1e-12));
		}
	}

}

package dev.vae.model.analysis;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.layer.Activation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link LossAnalysis} under heads without the σ(η) terms: the model's own NLL against
 * closed forms, and its estimators.
 */
class LossAnalysisHeadsTests {

	private static List<LossAnalysis.InputLoss> analyse(Network network, DecoderHead head, double sigma, int samples,
			int iwaeK, long seed) {
		return LossAnalysis.analyse(network, head, 2, X, new LossAnalysis.Options(sigma, samples, iwaeK, seed, true));
	}

	private static Network aNetwork(DecoderHead head) {
		Architecture a = Presets.mlp(List.of(6), List.of(5), 2, Activation.of(Activation.Function.TANH), head, 1.0);
		return Network.initialise(a, DataType.DOUBLE, 7);
	}

	private static final double[][] X = { { 0.1, 0.9, 0.3, 0.5, 0.0, 1.0 }, { 0.7, 0.2, 0.4, 0.6, 0.8, 0.05 } };

	@Test
	void theCalibratedGaussianAtTheMeanIsHalfDTimesOnePlusLogTwoPiMse() {
		DecoderHead head = new DecoderHead.CalibratedGaussian(OutputActivation.SIGMOID);
		Network network = aNetwork(head);
		List<LossAnalysis.InputLoss> out = analyse(network, head, 1.0, 0, 0, 1);
		double[][] mean = network.decodeMean(network.encode(X).mu());
		for (int i = 0; i < X.length; i++) {
			double sse = 0;
			for (int j = 0; j < 6; j++) {
				sse += (X[i][j] - mean[i][j]) * (X[i][j] - mean[i][j]);
			}
			// σ*² = MSE maximises the likelihood: NLL = (D/2)(1 + log 2π σ*²)
			double expected = 3 * (1 + Math.log(2 * Math.PI * sse / 6));
			assertThat(out.get(i).atMean().modelNll()).isCloseTo(expected, within(1e-9));
			assertThat(out.get(i).atMean().sse()).isCloseTo(sse, within(1e-12));
			// with σ = 1 the Gaussian term is SSE/2 + D/2 log 2π
			assertThat(out.get(i).atMean().gaussianNll()).isCloseTo(sse / 2 + 3 * Math.log(2 * Math.PI), within(1e-9));
		}
	}

	@Test
	void aLearnedVarianceNllIsTheSumOfPerPixelGaussians() {
		DecoderHead head = new DecoderHead.LearnedGaussian(OutputActivation.IDENTITY);
		Network network = aNetwork(head);
		double[][] eta = network.decodeLogits(network.encode(X).mu());
		assertThat(eta[0]).hasSize(12);
		LossAnalysis.InputLoss out = analyse(network, head, 1.0, 0, 0, 1).get(0);
		double expected = 0;
		for (int j = 0; j < 6; j++) {
			double mu = eta[0][j];
			double logvar = eta[0][6 + j];
			// ½ log 2π + ½ log σ² + (x − μ)²/(2σ²)
			expected += 0.5 * Math.log(2 * Math.PI) + 0.5 * logvar
					+ (X[0][j] - mu) * (X[0][j] - mu) / (2 * Math.exp(logvar));
		}
		assertThat(out.atMean().modelNll()).isCloseTo(expected, within(1e-9));
	}

	@Test
	void estimatorsAreConsistent() {
		DecoderHead head = new DecoderHead.FixedGaussian(OutputActivation.TANH, 0.3);
		Network network = aNetwork(head);
		List<LossAnalysis.InputLoss> out = analyse(network, head, 0.3, 400, 200, 5);
		for (LossAnalysis.InputLoss in : out) {
			// a fixed-σ Gaussian head's own NLL is the Gaussian term with the same σ
			assertThat(in.atMean().modelNll()).isCloseTo(in.atMean().gaussianNll(), within(1e-9));
			assertThat(in.monteCarlo().samples()).isEqualTo(400);
			double mean = in.monteCarlo().kl().mean();
			// E_q[log q − log p] = KL
			assertThat(mean).isCloseTo(in.kl(), within(0.15 + 0.1 * in.kl()));
			// log of a mean of weights ≥ the mean of their logs
			assertThat(in.iwae().logLikelihood()).isGreaterThanOrEqualTo(in.iwae().elbo());
			assertThat(in.iwae().k()).isEqualTo(200);
		}
		// the same seed gives the same draws
		assertThat(analyse(network, head, 0.3, 3, 4, 5).get(1).iwae().logLikelihood())
			.isEqualTo(analyse(network, head, 0.3, 3, 4, 5).get(1).iwae().logLikelihood());
	}

}

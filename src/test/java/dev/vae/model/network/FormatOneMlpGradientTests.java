package dev.vae.model.network;

import dev.vae.model.ModelFixtures;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.Reconstruction;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classic MLP (a format-1 architecture, as the mlp preset it converts to): the
 * backward pass against central finite differences of the objective, where the objective
 * is computed independently: in double precision, per value, through {@link Likelihood}
 * and {@link Reconstruction}.
 */
class FormatOneMlpGradientTests {

	@ParameterizedTest
	@EnumSource(Likelihood.class)
	void gradientMatchesFiniteDifferences(Likelihood likelihood) {
		FormatOneArchitecture architecture = new FormatOneArchitecture(List.of(5), List.of(4), List.of(3), 2,
				ActivationKind.TANH, likelihood, 0.7, 1.5);
		Network network = ModelFixtures.aFormatOneNetwork(architecture, DataType.DOUBLE, 3);
		SplittableRandom random = new SplittableRandom(11);
		double[][] x = new double[3][5];
		double[][] eps = new double[3][2];
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 5; j++) {
				x[i][j] = random.nextDouble();
			}
			eps[i] = Evaluation.gaussian(random, 2);
		}
		INDArray gradient = network.newGradient();
		Network.BatchLoss loss = network.lossAndGradient(Nd4j.create(x), Nd4j.create(eps), gradient);
		assertThat((loss.reconstruction() + architecture.beta() * loss.kl()) / 3)
			.isCloseTo(objective(architecture, network, x, eps), org.assertj.core.data.Offset.offset(1e-9));

		double[] params = network.parameters().toDoubleVector();
		double[] analytic = gradient.toDoubleVector();
		double h = 1e-6;
		for (int p = 0; p < params.length; p++) {
			double[] plus = params.clone();
			plus[p] += h;
			double[] minus = params.clone();
			minus[p] -= h;
			double numeric = (objective(architecture, Network.of(network.architecture(), plus, new double[0]), x, eps)
					- objective(architecture, Network.of(network.architecture(), minus, new double[0]), x, eps))
					/ (2 * h);
			assertThat(analytic[p]).as("parameter %d", p)
				.isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-6 + 1e-5 * Math.abs(numeric)));
		}
	}

	/** mean over the batch of Σ NLL(x | η(μ + σ ε)) + β KL. */
	private static double objective(FormatOneArchitecture a, Network network, double[][] x, double[][] eps) {
		Encoding q = network.encode(x);
		double[][] z = new double[x.length][];
		double kl = 0;
		for (int i = 0; i < x.length; i++) {
			z[i] = q.reparameterise(i, eps[i]);
			kl += Evaluation.kl(q.mu()[i], q.logvar()[i]);
		}
		double[][] eta = network.decodeLogits(z);
		double nll = 0;
		for (int i = 0; i < x.length; i++) {
			for (int j = 0; j < x[i].length; j++) {
				nll += a.likelihood().nll(x[i][j], eta[i][j], a.gaussianSigma());
			}
		}
		return (nll + a.beta() * kl) / x.length;
	}

}

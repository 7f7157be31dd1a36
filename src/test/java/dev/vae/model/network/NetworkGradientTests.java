package dev.vae.model.network;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import dev.vae.model.ModelFixtures;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.ReferenceHeads;
import dev.vae.model.layer.Activation;
import dev.vae.model.layer.BatchNorm;
import dev.vae.model.layer.Conv2d;
import dev.vae.model.layer.ConvTranspose2d;
import dev.vae.model.layer.Dense;
import dev.vae.model.layer.Flatten;
import dev.vae.model.layer.Layer;
import dev.vae.model.layer.NaiveLayers;
import dev.vae.model.layer.Reshape;
import dev.vae.model.network.Architecture.Slot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The whole layered VAE's objective and gradient, for every decoder head, against the
 * same objective computed independently: the layers as {@link NaiveLayers} loops, the
 * head as {@link ReferenceHeads}, all in Java doubles, differentiated by central
 * differences.
 */
class NetworkGradientTests {

	static Stream<DecoderHead> heads() {
		return ModelFixtures.heads();
	}

	/**
	 * 1×5×5 → conv(2, k3, s2, p1) → BN → leaky ReLU → flatten → dense 4 → ELU → (μ, log
	 * σ²) of 2; 2 → dense 18 → tanh → reshape 2×3×3 → BN → softplus → transposed conv(k3,
	 * s2, p1) → C×5×5.
	 */
	static Architecture aTinyConvArchitecture(DecoderHead head) {
		List<Layer> encoder = List.of(new Conv2d(2, 3, 2, 1), BatchNorm.pytorch(), Activation.leakyRelu(0.2),
				new Flatten(), new Dense(4), Activation.of(Activation.Function.ELU));
		List<Layer> decoder = List.of(new Dense(18), Activation.of(Activation.Function.TANH),
				new Reshape(List.of(2, 3, 3)), BatchNorm.pytorch(), Activation.of(Activation.Function.SOFTPLUS),
				new ConvTranspose2d(head.outputChannels(1), 3, 2, 1, 0));
		return new Architecture(List.of(1, 5, 5), encoder, 2, decoder, head, 1.5);
	}

	@ParameterizedTest
	@MethodSource("heads")
	void gradientMatchesFiniteDifferencesOfAnIndependentObjective(DecoderHead head) {
		Architecture architecture = aTinyConvArchitecture(head);
		Network network = Network.initialise(architecture, DataType.DOUBLE, 5);
		double[] params = network.parameters().toDoubleVector();
		// buffers away from their initial values, so that a pass using them would show
		double[] buffers = new double[(int) architecture.bufferCount()];
		Arrays.fill(buffers, 0.5);
		SplittableRandom random = new SplittableRandom(11);
		int n = 4;
		double[][] x = new double[n][25];
		double[][] eps = new double[n][2];
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < 25; j++) {
				x[i][j] = random.nextDouble();
			}
			eps[i] = Evaluation.gaussian(random, 2);
		}
		Network ours = Network.of(architecture, params, buffers);
		INDArray gradient = ours.newGradient();
		Network.BatchLoss loss = ours.lossAndGradient(Nd4j.create(x), Nd4j.create(eps), gradient);
		assertThat((loss.reconstruction() + architecture.beta() * loss.kl()) / n)
			.isCloseTo(objective(architecture, params, buffers, x, eps), within(1e-9));

		double[] analytic = gradient.toDoubleVector();
		double h = 1e-6;
		for (int p = 0; p < params.length; p++) {
			double[] plus = params.clone();
			plus[p] += h;
			double[] minus = params.clone();
			minus[p] -= h;
			double numeric = (objective(architecture, plus, buffers, x, eps)
					- objective(architecture, minus, buffers, x, eps)) / (2 * h);
			assertThat(analytic[p]).as("parameter %d", p).isCloseTo(numeric, within(1e-6 + 1e-5 * Math.abs(numeric)));
		}
	}

	/**
	 * mean over the batch of NLL(x | η(μ + σ ε)) + β KL, batch norm on batch statistics.
	 */
	static double objective(Architecture architecture, double[] params, double[] buffers, double[][] x,
			double[][] eps) {
		int n = x.length;
		int e = architecture.encoder().size();
		List<Slot> slots = architecture.slots();
		double[] a = Arrays.stream(x).flatMapToDouble(Arrays::stream).toArray();
		for (int i = 0; i < e; i++) {
			a = forward(slots.get(i), n, a, params, buffers);
		}
		double[] mu = forward(slots.get(e), n, a, params, buffers);
		double[] logvar = forward(slots.get(e + 1), n, a, params, buffers);
		double[] z = new double[mu.length];
		double kl = 0;
		for (int k = 0; k < z.length; k++) {
			z[k] = mu[k] + Math.exp(0.5 * logvar[k]) * eps[k / 2][k % 2];
			kl += 0.5 * (mu[k] * mu[k] + Math.exp(logvar[k]) - 1 - logvar[k]);
		}
		a = z;
		for (int i = e + 2; i < slots.size(); i++) {
			a = forward(slots.get(i), n, a, params, buffers);
		}
		int o = a.length / n;
		double nll = 0;
		for (int i = 0; i < n; i++) {
			nll += ReferenceHeads.nll(architecture.head(), x[i], Arrays.copyOfRange(a, i * o, (i + 1) * o));
		}
		return (nll + architecture.beta() * kl) / n;
	}

	private static double[] forward(Slot slot, int n, double[] a, double[] params, double[] buffers) {
		int p = (int) slot.parameterOffset();
		int b = (int) slot.bufferOffset();
		return NaiveLayers.forward(slot.layer(), slot.in(), n, a,
				Arrays.copyOfRange(params, p, p + (int) slot.parameterCount()),
				Arrays.copyOfRange(buffers, b, b + (int) slot.bufferCount()), true);
	}

}

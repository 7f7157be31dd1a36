package dev.vae.model.network;

import dev.vae.model.ModelFixtures;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static dev.vae.model.ModelFixtures.randomRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Inference through a layered network: running statistics, batching, heads, limits. */
class NetworkTests {

	private static Network aTrainedLookingConvNetwork(DecoderHead head) {
		Network network = Network.initialise(Presets.conv(List.of(2, 6, 6), List.of(3, 4), 3, head, 1), DataType.DOUBLE,
				2);
		network.lossAndGradient(Nd4j.create(randomRows(5, 72, 1)), Nd4j.create(randomRows(5, 3, 2)),
				network.newGradient());
		return network;
	}

	@Test
	void trainingStepsThatReuseTheirArraysAnswerAsAFreshNetworkDoes() {
		for (Architecture architecture : List.of(Presets.of(ModelFixtures.aTinyArchitecture()),
				Presets.conv(List.of(1, 8, 8), List.of(3, 4), 2, new DecoderHead.Bernoulli(), 1))) {
			Network reused = Network.initialise(architecture, DataType.FLOAT, 5);
			int d = architecture.inputLength();
			float[][] steps = new float[3][];
			float[] lossOfSix = null;
			// batches of 4, 6, 4: the arena's arrays change shape and come back
			for (int step = 0; step < 3; step++) {
				int b = (step == 1) ? 6 : 4;
				org.nd4j.linalg.api.ndarray.INDArray gradient = reused.newGradient();
				Network.BatchLoss loss = reused.lossAndGradient(
						Nd4j.create(randomRows(b, d, 40 + b)).castTo(DataType.FLOAT),
						Nd4j.create(randomRows(b, 2, 50 + b)).castTo(DataType.FLOAT), gradient);
				steps[step] = gradient.toFloatVector();
				if (b == 6) {
					lossOfSix = new float[] { (float) loss.reconstruction(), (float) loss.kl() };
				}
			}
			assertThat(steps[2]).containsExactly(steps[0]);
			// a fresh copy (batch norm's running statistics moved by the first step) on
			// batch 6
			Network fresh = Network.initialise(architecture, DataType.FLOAT, 5);
			fresh.lossAndGradient(Nd4j.create(randomRows(4, d, 44)).castTo(DataType.FLOAT),
					Nd4j.create(randomRows(4, 2, 54)).castTo(DataType.FLOAT), fresh.newGradient());
			Network other = Network.of(architecture, fresh.parametersAsFloats(), fresh.buffersAsFloats());
			org.nd4j.linalg.api.ndarray.INDArray gradient = other.newGradient();
			Network.BatchLoss loss = other.lossAndGradient(Nd4j.create(randomRows(6, d, 46)).castTo(DataType.FLOAT),
					Nd4j.create(randomRows(6, 2, 56)).castTo(DataType.FLOAT), gradient);
			assertThat(gradient.toFloatVector()).containsExactly(steps[1]);
			assertThat(new float[] { (float) loss.reconstruction(), (float) loss.kl() }).containsExactly(lossOfSix);
			reused.endTraining();
		}
	}

	@Test
	void theBernoulliTrainingSumAgreesWithTheExactNllToFloatPrecision() {
		DecoderHead head = new DecoderHead.Bernoulli();
		SplittableRandom random = new SplittableRandom(3);
		int n = 5;
		int d = 300;
		double[] x = new double[n * d];
		double[] eta = new double[n * d];
		for (int i = 0; i < x.length; i++) {
			x[i] = random.nextDouble();
			eta[i] = 30 * (random.nextDouble() - 0.5);
		}
		org.nd4j.linalg.api.ndarray.INDArray etaArray = Nd4j.create(eta, new long[] { n, d }, 'c')
			.castTo(DataType.FLOAT);
		double[] roundedEta = etaArray.dup().data().asDouble();
		double[] exactGradient = new double[n * d];
		double exact = 0;
		for (int i = 0; i < n; i++) {
			exact += head.nll(x, i * d, roundedEta, i * d, d, exactGradient);
		}
		org.nd4j.linalg.api.ndarray.INDArray dEta = Nd4j.create(DataType.FLOAT, n, d);
		double fast = head.trainingNll(Nd4j.create(x, new long[] { n, d }, 'c').castTo(DataType.FLOAT), etaArray, 0.5,
				dEta);
		// x rounded to float32 moves each term by up to |η|·2⁻²⁴·x
		assertThat(fast).isCloseTo(exact, within(1e-5 * exact));
		double[] g = dEta.data().asDouble();
		for (int j = 0; j < g.length; j++) {
			assertThat(g[j]).isCloseTo(0.5 * exactGradient[j], within(1e-6));
		}
	}

	@Test
	void inferenceUsesButNeverMovesTheRunningStatisticsAndTreatsRowsIndependently() {
		Network network = aTrainedLookingConvNetwork(new DecoderHead.Bernoulli());
		float[] buffers = network.buffersAsFloats();
		double[][] x = randomRows(3, 72, 3);
		Encoding batch = network.encode(x);
		Encoding alone = network.encode(new double[][] { x[1] });
		assertThat(network.buffersAsFloats()).containsExactly(buffers);
		assertThat(alone.mu()[0]).containsExactly(batch.mu()[1], within(1e-12));
		assertThat(alone.logvar()[0]).containsExactly(batch.logvar()[1], within(1e-12));
		network.assign("encoder.1.running_mean", new float[] { 5, 5, 5 });
		assertThat(network.encode(x).mu()[0]).isNotEqualTo(batch.mu()[0]);
	}

	@Test
	void inferenceGivesTheSameResultsFromManyThreadsAtOnce() throws Exception {
		Network network = aTrainedLookingConvNetwork(new DecoderHead.Bernoulli());
		double[][][] inputs = new double[8][][];
		double[][][] expected = new double[8][][];
		for (int t = 0; t < inputs.length; t++) {
			inputs[t] = randomRows(4, 72, 10 + t);
			expected[t] = network.decodeLogits(network.encode(inputs[t]).mu());
		}
		java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
		try {
			List<java.util.concurrent.Future<Boolean>> same = new java.util.ArrayList<>();
			for (int round = 0; round < 5; round++) {
				for (int t = 0; t < inputs.length; t++) {
					int i = t;
					same.add(pool.submit(() -> java.util.Arrays.deepEquals(expected[i],
							network.decodeLogits(network.encode(inputs[i]).mu()))));
				}
			}
			for (java.util.concurrent.Future<Boolean> result : same) {
				assertThat(result.get()).isTrue();
			}
		}
		finally {
			pool.shutdown();
		}
	}

	@Test
	void aLearnedVarianceHeadDecodesTwiceTheChannelsAndMeansOfTheInputsSize() {
		Network network = aTrainedLookingConvNetwork(new DecoderHead.LearnedGaussian(OutputActivation.SIGMOID));
		double[][] z = randomRows(2, 3, 4);
		assertThat(network.decodeLogits(z)[0]).hasSize(144);
		double[] mean = network.decodeMean(z)[1];
		assertThat(mean).hasSize(72);
		assertThat(java.util.Arrays.stream(mean)).allMatch((m) -> m > 0 && m < 1);
		double[] eta = network.decodeLogits(z)[1];
		assertThat(mean[7]).isCloseTo(1 / (1 + Math.exp(-eta[7])), within(1e-15));
	}

	@Test
	void headsSampleFromTheirDistributions() {
		SplittableRandom random = new SplittableRandom(5);
		double[] eta = { 0.3, -2.0, 0.4, -1.0 };
		double[] bernoulli = new DecoderHead.Bernoulli().sample(eta, 4, random);
		assertThat(bernoulli).hasSize(4);
		assertThat(java.util.Arrays.stream(bernoulli)).allMatch((v) -> v == 0 || v == 1);
		double sum = 0;
		double squares = 0;
		int n = 20_000;
		for (int i = 0; i < n; i++) {
			double v = new DecoderHead.LearnedGaussian(OutputActivation.IDENTITY).sample(eta, 2, random)[1];
			sum += v;
			squares += v * v;
		}
		double mean = sum / n;
		// x̂ = η₂ = −2, σ = e^(−1/2)
		assertThat(mean).isCloseTo(-2.0, within(4 * Math.exp(-0.5) / Math.sqrt(n)));
		assertThat(Math.sqrt(squares / n - mean * mean)).isCloseTo(Math.exp(-0.5), within(0.01));
		assertThat(new DecoderHead.CalibratedGaussian(OutputActivation.TANH).sample(eta, 4, random)[2])
			.isEqualTo(Math.tanh(0.4));
	}

	@Test
	void aManifestCannotAskForHugeActivationsThroughFewParameters() {
		assertThatThrownBy(
				() -> new Architecture(List.of(1, 8, 8),
						List.of(new dev.vae.model.layer.ConvTranspose2d(1, 3, 2000, 0, 0),
								new dev.vae.model.layer.Flatten()),
						2, List.of(), new DecoderHead.Bernoulli(), 1))
			.hasMessage(
					"encoder layer 0: conv-transpose2d: output 1×14003×14003 has more than 4194304 values per example");
		assertThatThrownBy(() -> Network
			.initialise(Presets.conv(List.of(1, 8, 8), List.of(2), 2, new DecoderHead.Bernoulli(), 1), DataType.FLOAT,
					1)
			.assign("encoder.0.weight", new float[3])).hasMessage("weight [2, 1, 3, 3] needs 18 values, got 3");
	}

}

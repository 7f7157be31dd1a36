package dev.vae.model;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.network.ActivationKind;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;

import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Test-data factories for the model core. */
public final class ModelFixtures {

	private ModelFixtures() {
	}

	/** A 6-pixel, 2-latent Bernoulli VAE with one hidden layer of 5 each way. */
	public static FormatOneArchitecture aTinyArchitecture() {
		return FormatOneArchitecture.mirrored(List.of(2, 3, 1), List.of(5), 2, ActivationKind.TANH,
				Likelihood.BERNOULLI, 1.0, 1.0);
	}

	/** The 784-400-20 ReLU Bernoulli VAE of format 1. */
	public static FormatOneArchitecture anMnistMlp() {
		return FormatOneArchitecture.mirrored(List.of(28, 28, 1), List.of(400), 20, ActivationKind.RELU,
				Likelihood.BERNOULLI, 1.0, 1.0);
	}

	/**
	 * Parameters for a format-1 network in its own layout (dense weights [in, out], then
	 * bias, layer by layer), uniform in ±0.5 from {@code seed}.
	 */
	public static double[] formatOneParameters(FormatOneArchitecture architecture, long seed) {
		java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
		double[] values = new double[Math.toIntExact(architecture.parameterCount())];
		for (int i = 0; i < values.length; i++) {
			values[i] = random.nextDouble() - 0.5;
		}
		return values;
	}

	/** A format-1 architecture as the network the service makes of it, random weights. */
	public static Network aFormatOneNetwork(FormatOneArchitecture architecture, DataType dataType, long seed) {
		return Network.fromFormatOne(architecture, formatOneParameters(architecture, seed), dataType);
	}

	/** Two clusters of 6-pixel patterns, values in [0, 1]. */
	public static Examples twoPatterns(int count, long seed) {
		java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
		float[] values = new float[count * 6];
		for (int i = 0; i < count; i++) {
			boolean left = random.nextBoolean();
			for (int j = 0; j < 6; j++) {
				boolean on = left == (j < 3);
				values[i * 6 + j] = (float) (on ? 0.9 - 0.1 * random.nextDouble() : 0.1 * random.nextDouble());
			}
		}
		return new Examples(values, count, 6);
	}

	/** n rows of d values uniform in [0, 1) from {@code seed}. */
	public static double[][] randomRows(int n, int d, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		double[][] rows = new double[n][d];
		for (double[] row : rows) {
			for (int j = 0; j < d; j++) {
				row[j] = random.nextDouble();
			}
		}
		return rows;
	}

	/** 1×8×8 images, each one horizontal or vertical bar two pixels wide, in [0, 1]. */
	public static Examples tinyBars(int count, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		float[] values = new float[count * 64];
		for (int i = 0; i < count; i++) {
			boolean horizontal = random.nextBoolean();
			int at = random.nextInt(7);
			for (int r = 0; r < 8; r++) {
				for (int c = 0; c < 8; c++) {
					int line = horizontal ? r : c;
					boolean on = line == at || line == at + 1;
					values[i * 64 + r * 8
							+ c] = (float) (on ? 0.9 + 0.1 * random.nextDouble() : 0.1 * random.nextDouble());
				}
			}
		}
		return new Examples(values, count, 64);
	}

	/**
	 * A conv VAE on 1×8×8 inputs with blocks of 8 and 16 channels, a 2-d latent space.
	 */
	public static Architecture aTinyConvVae() {
		return Presets.conv(List.of(1, 8, 8), List.of(8, 16), 2, new DecoderHead.Bernoulli(), 1);
	}

	/** One decoder head of each kind, with each output activation it takes. */
	public static Stream<DecoderHead> heads() {
		return Stream.of(new DecoderHead.Bernoulli(), new DecoderHead.ContinuousBernoulli(),
				new DecoderHead.FixedGaussian(OutputActivation.SIGMOID, 0.7),
				new DecoderHead.FixedGaussian(OutputActivation.TANH, 0.3),
				new DecoderHead.FixedGaussian(OutputActivation.IDENTITY, 1.3),
				new DecoderHead.LearnedGaussian(OutputActivation.SIGMOID),
				new DecoderHead.LearnedGaussian(OutputActivation.IDENTITY),
				new DecoderHead.CalibratedGaussian(OutputActivation.SIGMOID),
				new DecoderHead.CalibratedGaussian(OutputActivation.TANH));
	}

}

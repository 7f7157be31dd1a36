package dev.vae.model;

import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import java.util.List;

/** Test-data factories for the model core. */
public final class ModelFixtures {

	private ModelFixtures() {
	}

	/** A 6-pixel, 2-latent Bernoulli VAE with one hidden layer of 5 each way. */
	public static Architecture aTinyArchitecture() {
		return Architecture.mirrored(List.of(2, 3, 1), List.of(5), 2, ActivationKind.TANH, Likelihood.BERNOULLI, 1.0,
				1.0);
	}

	/** The 784-400-20 ReLU Bernoulli VAE of format 1. */
	public static Architecture anMnistMlp() {
		return Architecture.mirrored(List.of(28, 28, 1), List.of(400), 20, ActivationKind.RELU, Likelihood.BERNOULLI,
				1.0, 1.0);
	}

	/**
	 * Parameters for a format-1 network in its own layout (dense weights [in, out], then
	 * bias, layer by layer), uniform in ±0.5 from {@code seed}.
	 */
	public static double[] formatOneParameters(Architecture architecture, long seed) {
		java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
		double[] values = new double[Math.toIntExact(architecture.parameterCount())];
		for (int i = 0; i < values.length; i++) {
			values[i] = random.nextDouble() - 0.5;
		}
		return values;
	}

	/** A format-1 architecture as the network the service makes of it, random weights. */
	public static LayeredNetwork aFormatOneNetwork(Architecture architecture, DataType dataType, long seed) {
		return LayeredNetwork.fromFormatOne(architecture, formatOneParameters(architecture, seed), dataType);
	}

	/**
	 * Writes a format-1 checkpoint as the service wrote them before format 2 (manifest,
	 * then the float32 parameters with their SHA-256), for the readers' tests.
	 * @return the manifest as written
	 */
	public static Manifest writeFormatOne(Path target, Manifest draft, float[] parameters) throws IOException {
		byte[] bytes = Checkpoint.toBytes(parameters);
		Manifest manifest = draft.withParameters(parameters.length, Checkpoint.sha256(bytes));
		try (OutputStream out = Files.newOutputStream(target); ZipOutputStream zip = new ZipOutputStream(out)) {
			zip.putNextEntry(new ZipEntry(Checkpoint.MANIFEST));
			zip.write(Checkpoint.JSON.writeValueAsBytes(manifest));
			zip.closeEntry();
			zip.putNextEntry(new ZipEntry(Checkpoint.PARAMETERS));
			zip.write(bytes);
			zip.closeEntry();
		}
		return manifest;
	}

	/** {@link #writeFormatOne} with random parameters from {@code seed}. */
	public static Manifest writeFormatOne(Path target, Manifest draft, long seed) throws IOException {
		double[] values = formatOneParameters(draft.architecture(), seed);
		float[] floats = new float[values.length];
		for (int i = 0; i < values.length; i++) {
			floats[i] = (float) values[i];
		}
		return writeFormatOne(target, draft, floats);
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

}

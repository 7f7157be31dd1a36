package dev.vae.model.network;

import dev.vae.model.head.Likelihood;

import java.util.ArrayList;
import java.util.List;

/**
 * What a VAE looks like: an MLP encoder to (μ, log σ²) of the latent size, an MLP decoder
 * back to logits of the input size, the decoder's likelihood and the weight β on the KL
 * term of the objective.
 *
 * @param inputShape height, width, channels of one input (its length is their product)
 * @param encoderHidden hidden layer widths of the encoder, input side first
 * @param decoderHidden hidden layer widths of the decoder, latent side first
 * @param latentSize dimension of z
 * @param activation hidden-layer activation
 * @param likelihood the decoder's distribution
 * @param gaussianSigma fixed standard deviation of the Gaussian decoder (ignored by the
 * others)
 * @param beta weight of the KL term in the training objective (1 is the ELBO)
 */
public record FormatOneArchitecture(List<Integer> inputShape, List<Integer> encoderHidden, List<Integer> decoderHidden,
		int latentSize, ActivationKind activation, Likelihood likelihood, double gaussianSigma, double beta) {

	/**
	 * Widths and sizes above this are refused: a checkpoint manifest must not be able to
	 * ask for any memory.
	 */
	public static final int MAX_WIDTH = 65_536;

	public FormatOneArchitecture {
		for (List<Integer> sizes : java.util.Arrays.asList(inputShape, encoderHidden, decoderHidden)) {
			// List.of's contains(null) throws, so look for nulls element by element
			if (sizes == null || sizes.stream().anyMatch(java.util.Objects::isNull)) {
				throw new IllegalArgumentException("sizes must be lists of whole numbers, were " + sizes);
			}
		}
		inputShape = List.copyOf(inputShape);
		encoderHidden = List.copyOf(encoderHidden);
		decoderHidden = List.copyOf(decoderHidden);
		if (inputShape.isEmpty() || inputShape.size() > 3 || inputShape.stream().anyMatch((d) -> d == null || d < 1)) {
			throw new IllegalArgumentException("inputShape must be 1 to 3 positive sizes, was " + inputShape);
		}
		for (List<Integer> widths : List.of(encoderHidden, decoderHidden)) {
			if (widths.stream().anyMatch((w) -> w == null || w < 1 || w > MAX_WIDTH)) {
				throw new IllegalArgumentException("hidden widths must lie in 1.." + MAX_WIDTH + ", were " + widths);
			}
		}
		if (latentSize < 1 || latentSize > MAX_WIDTH) {
			throw new IllegalArgumentException("latentSize must lie in 1.." + MAX_WIDTH + ", was " + latentSize);
		}
		if (activation == null || likelihood == null) {
			throw new IllegalArgumentException("activation and likelihood are required");
		}
		if (!(gaussianSigma > 0) || Double.isInfinite(gaussianSigma)) {
			throw new IllegalArgumentException("gaussianSigma must be a positive number, was " + gaussianSigma);
		}
		if (!(beta >= 0) || Double.isInfinite(beta)) {
			throw new IllegalArgumentException("beta must be a non-negative number, was " + beta);
		}
		long length = inputShape.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
		if (length > MAX_WIDTH) {
			throw new IllegalArgumentException("input length " + length + " exceeds " + MAX_WIDTH);
		}
	}

	/** An MLP VAE whose decoder mirrors its encoder. */
	public static FormatOneArchitecture mirrored(List<Integer> inputShape, List<Integer> encoderHidden, int latentSize,
			ActivationKind activation, Likelihood likelihood, double gaussianSigma, double beta) {
		List<Integer> decoder = new ArrayList<>(encoderHidden);
		java.util.Collections.reverse(decoder);
		return new FormatOneArchitecture(inputShape, encoderHidden, decoder, latentSize, activation, likelihood,
				gaussianSigma, beta);
	}

	/** Number of values in one input vector. */
	public int inputLength() {
		return this.inputShape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
	}

	/**
	 * The dense layers in parameter order: encoder hidden, μ head, log σ² head, decoder
	 * hidden, output.
	 */
	List<LayerShape> layers() {
		List<LayerShape> layers = new ArrayList<>();
		int in = inputLength();
		for (int i = 0; i < this.encoderHidden.size(); i++) {
			layers.add(new LayerShape("encoder." + i, in, this.encoderHidden.get(i)));
			in = this.encoderHidden.get(i);
		}
		layers.add(new LayerShape("mu", in, this.latentSize));
		layers.add(new LayerShape("logvar", in, this.latentSize));
		in = this.latentSize;
		for (int i = 0; i < this.decoderHidden.size(); i++) {
			layers.add(new LayerShape("decoder." + i, in, this.decoderHidden.get(i)));
			in = this.decoderHidden.get(i);
		}
		layers.add(new LayerShape("output", in, inputLength()));
		return layers;
	}

	/** Total number of weights and biases. */
	public long parameterCount() {
		return layers().stream().mapToLong(LayerShape::parameterCount).sum();
	}

	/**
	 * One dense layer's name and shape; its weights [in, out] come first in the flat
	 * vector, then its biases.
	 */
	record LayerShape(String name, int in, int out) {

		long parameterCount() {
			return (long) this.in * this.out + this.out;
		}

	}

}

package dev.vae.model.network;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Activation;
import dev.vae.model.layer.BatchNorm;
import dev.vae.model.layer.Conv2d;
import dev.vae.model.layer.ConvTranspose2d;
import dev.vae.model.layer.Dense;
import dev.vae.model.layer.Flatten;
import dev.vae.model.layer.Layer;
import dev.vae.model.layer.Reshape;

import java.util.ArrayList;
import java.util.List;

/**
 * Ready-made layered architectures: {@code mlp}, today's dense VAE (and the exact
 * equivalent of a format-1 {@link FormatOneArchitecture}), and {@code conv}, a small
 * convolutional encoder of Conv2d(3×3, stride 2, padding 1) + BatchNorm + LeakyReLU
 * blocks with a mirrored decoder of ConvTranspose2d blocks and a final 3×3 convolution,
 * as AntixK's PyTorch-VAE VanillaVAE.
 */
public final class Presets {

	/** LeakyReLU slope of the conv blocks, PyTorch's default. */
	private static final double SLOPE = 0.01;

	private Presets() {
	}

	/**
	 * A dense VAE: [flatten,] (dense, activation)* to the latent heads; (dense,
	 * activation)* mirrored, dense to the output [, reshape].
	 */
	public static Architecture mlp(List<Integer> inputShape, List<Integer> hidden, int latentSize,
			Activation activation, DecoderHead head, double beta) {
		List<Integer> outputShape = new ArrayList<>(inputShape);
		outputShape.set(0, head.outputChannels(inputShape.get(0)));
		List<Layer> encoder = new ArrayList<>();
		if (inputShape.size() > 1) {
			encoder.add(new Flatten());
		}
		for (int width : hidden) {
			encoder.add(new Dense(width));
			encoder.add(activation);
		}
		List<Layer> decoder = new ArrayList<>();
		for (int i = hidden.size() - 1; i >= 0; i--) {
			decoder.add(new Dense(hidden.get(i)));
			decoder.add(activation);
		}
		decoder.add(new Dense(outputShape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b)));
		if (inputShape.size() > 1) {
			decoder.add(new Reshape(outputShape));
		}
		return new Architecture(inputShape, encoder, latentSize, decoder, head, beta);
	}

	/**
	 * The layered form of a format-1 architecture: its image shape channels first (height
	 * × width × channels becomes C×H×W, flattened in and reshaped out, which moves no
	 * value) or a vector, its hidden widths and activation, its likelihood as a head.
	 * Parameters carry over by {@link Network#fromFormatOne}.
	 */
	public static Architecture of(FormatOneArchitecture formatOne) {
		Activation activation = switch (formatOne.activation()) {
			case RELU -> Activation.of(Activation.Function.RELU);
			// ND4J's leaky ReLU, as format 1 used it, has slope 0.01
			case LEAKY_RELU -> Activation.leakyRelu(0.01);
			case ELU -> Activation.of(Activation.Function.ELU);
			case TANH -> Activation.of(Activation.Function.TANH);
			case SOFTPLUS -> Activation.of(Activation.Function.SOFTPLUS);
			case SIGMOID -> Activation.of(Activation.Function.SIGMOID);
		};
		List<Integer> hwc = formatOne.inputShape();
		List<Integer> input = (hwc.size() == 1) ? List.of(hwc.get(0))
				: List.of((hwc.size() > 2) ? hwc.get(2) : 1, hwc.get(0), hwc.get(1));
		List<Layer> encoder = new ArrayList<>();
		if (input.size() > 1) {
			encoder.add(new Flatten());
		}
		for (int width : formatOne.encoderHidden()) {
			encoder.add(new Dense(width));
			encoder.add(activation);
		}
		List<Layer> decoder = new ArrayList<>();
		for (int width : formatOne.decoderHidden()) {
			decoder.add(new Dense(width));
			decoder.add(activation);
		}
		decoder.add(new Dense(formatOne.inputLength()));
		if (input.size() > 1) {
			decoder.add(new Reshape(input));
		}
		return new Architecture(input, encoder, formatOne.latentSize(), decoder,
				DecoderHead.of(formatOne.likelihood(), formatOne.gaussianSigma()), formatOne.beta());
	}

	/**
	 * The conv preset with its default widths: [32, 64] for 28×28 inputs, [32, 64, 128,
	 * 256] for 64×64.
	 */
	public static Architecture conv(List<Integer> inputShape, int latentSize, DecoderHead head, double beta) {
		boolean large = inputShape.size() == 3 && inputShape.get(1) >= 64 && inputShape.get(2) >= 64;
		return conv(inputShape, large ? List.of(32, 64, 128, 256) : List.of(32, 64), latentSize, head, beta);
	}

	/**
	 * A conv VAE on a C×H×W input: one stride-2 block per width (halving H and W,
	 * rounding up), flatten to the latent heads; dense back to the last block's shape,
	 * one transposed block per width (its output padding restoring the encoder's sizes
	 * exactly), a final 3×3 convolution to the head's channels.
	 */
	public static Architecture conv(List<Integer> inputShape, List<Integer> channels, int latentSize, DecoderHead head,
			double beta) {
		if (inputShape.size() != 3 || channels.isEmpty()) {
			throw new IllegalArgumentException("the conv preset needs a C×H×W input and at least one width, got "
					+ inputShape + " and " + channels);
		}
		List<Layer> encoder = new ArrayList<>();
		List<int[]> sizes = new ArrayList<>();
		int h = inputShape.get(1);
		int w = inputShape.get(2);
		for (int width : channels) {
			sizes.add(new int[] { h, w });
			encoder.add(new Conv2d(width, 3, 2, 1));
			encoder.add(BatchNorm.pytorch());
			encoder.add(Activation.leakyRelu(SLOPE));
			// ⌊(H + 2 − 3)/2⌋ + 1 = ⌈H/2⌉
			h = (h + 1) / 2;
			w = (w + 1) / 2;
		}
		encoder.add(new Flatten());
		int last = channels.get(channels.size() - 1);
		List<Layer> decoder = new ArrayList<>();
		decoder.add(new Dense(last * h * w));
		decoder.add(new Reshape(List.of(last, h, w)));
		for (int i = channels.size() - 1; i >= 0; i--) {
			int[] target = sizes.get(i);
			// (h − 1)·2 − 2 + 3 + op = 2h − 1 + op restores an even size with op = 1, an
			// odd
			// one with op = 0
			int op = target[0] % 2 == 0 ? 1 : 0;
			if (target[1] % 2 != target[0] % 2) {
				throw new IllegalArgumentException(
						"the conv preset needs height and width of the same parity at every level, got " + target[0]
								+ "×" + target[1]);
			}
			decoder.add(new ConvTranspose2d(channels.get(Math.max(i - 1, 0)), 3, 2, 1, op));
			decoder.add(BatchNorm.pytorch());
			decoder.add(Activation.leakyRelu(SLOPE));
		}
		decoder.add(new Conv2d(head.outputChannels(inputShape.get(0)), 3, 1, 1));
		return new Architecture(inputShape, encoder, latentSize, decoder, head, beta);
	}

}

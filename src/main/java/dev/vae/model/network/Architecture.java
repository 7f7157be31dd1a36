package dev.vae.model.network;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Dense;
import dev.vae.model.layer.Layer;
import dev.vae.model.layer.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * A VAE as lists of layers: the encoder from the input to a feature vector, the two
 * latent heads (dense layers to μ and log σ²), the decoder from z to the output head's
 * pre-activations (shaped like the input, or with the channels the head asks for), and
 * the head's likelihood. Construction checks that every layer fits its input and says
 * which one does not.
 *
 * @param inputShape one input, channels first: [C, H, W], or [F] for a vector
 * @param encoder the encoder's layers, input side first
 * @param latentSize dimension of z
 * @param decoder the decoder's layers, latent side first
 * @param head the output activation and likelihood
 * @param beta weight of the KL term in the training objective (1 is the ELBO)
 */
public record Architecture(List<Integer> inputShape, List<Layer> encoder, int latentSize, List<Layer> decoder,
		DecoderHead head, double beta) {

	/**
	 * The most values one example may have at any layer: a manifest must not be able to
	 * ask for any memory through a few parameters.
	 */
	public static final long MAX_ACTIVATION = 1 << 22;

	public Architecture {
		if (inputShape == null || encoder == null || decoder == null || head == null) {
			throw new IllegalArgumentException("inputShape, encoder, decoder and head are required");
		}
		inputShape = new Shape(inputShape).dims();
		encoder = List.copyOf(encoder);
		decoder = List.copyOf(decoder);
		if (inputShape.size() != 1 && inputShape.size() != 3) {
			throw new IllegalArgumentException("inputShape must be [F] or [C, H, W], was " + inputShape);
		}
		if (new Shape(inputShape).size() > MAX_ACTIVATION) {
			throw new IllegalArgumentException(
					"inputShape " + new Shape(inputShape) + " has more than " + MAX_ACTIVATION + " values");
		}
		if (latentSize < 1 || latentSize > FormatOneArchitecture.MAX_WIDTH) {
			throw new IllegalArgumentException(
					"latentSize must lie in 1.." + FormatOneArchitecture.MAX_WIDTH + ", was " + latentSize);
		}
		if (!(beta >= 0) || Double.isInfinite(beta)) {
			throw new IllegalArgumentException("beta must be a non-negative number, was " + beta);
		}
		plan(inputShape, encoder, latentSize, decoder, head);
	}

	/** The input's shape. */
	public Shape input() {
		return new Shape(this.inputShape);
	}

	/** Values per input. */
	public int inputLength() {
		return Math.toIntExact(input().size());
	}

	/**
	 * Values of the decoder's output per input: the input's, or twice for a learned
	 * variance.
	 */
	public int outputLength() {
		return Math.toIntExact(outputShape(input(), this.head).size());
	}

	/** Every layer in parameter order, with its name, shapes and offsets. */
	public List<Slot> slots() {
		return plan(this.inputShape, this.encoder, this.latentSize, this.decoder, this.head);
	}

	/** Number of trainable parameters. */
	public long parameterCount() {
		List<Slot> slots = slots();
		Slot last = slots.get(slots.size() - 1);
		return last.parameterOffset() + last.parameterCount();
	}

	/** Number of non-trainable buffer values (batch-norm running statistics). */
	public long bufferCount() {
		List<Slot> slots = slots();
		Slot last = slots.get(slots.size() - 1);
		return last.bufferOffset() + last.bufferCount();
	}

	private static Shape outputShape(Shape input, DecoderHead head) {
		List<Integer> dims = new ArrayList<>(input.dims());
		dims.set(0, head.outputChannels(dims.get(0)));
		return new Shape(dims);
	}

	private static List<Slot> plan(List<Integer> inputShape, List<Layer> encoder, int latentSize, List<Layer> decoder,
			DecoderHead head) {
		List<Slot> slots = new ArrayList<>();
		long[] offsets = new long[2];
		Shape shape = walk("encoder", encoder, new Shape(inputShape), slots, offsets);
		if (shape.rank() != 1) {
			throw new IllegalArgumentException(
					"the encoder must end in a feature vector for the latent heads, its output is " + shape
							+ " (add a flatten)");
		}
		add("mu", new Dense(latentSize), shape, slots, offsets);
		add("logvar", new Dense(latentSize), shape, slots, offsets);
		shape = walk("decoder", decoder, Shape.of(latentSize), slots, offsets);
		Shape expected = outputShape(new Shape(inputShape), head);
		if (!shape.equals(expected)) {
			throw new IllegalArgumentException("the decoder's output is " + shape + ", the "
					+ head.getClass().getSimpleName() + " head needs " + expected);
		}
		return List.copyOf(slots);
	}

	private static Shape walk(String part, List<Layer> layers, Shape in, List<Slot> slots, long[] offsets) {
		Shape shape = in;
		for (int i = 0; i < layers.size(); i++) {
			try {
				shape = add(part + "." + i, layers.get(i), shape, slots, offsets);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(part + " layer " + i + ": " + ex.getMessage(), ex);
			}
		}
		return shape;
	}

	private static Shape add(String name, Layer layer, Shape in, List<Slot> slots, long[] offsets) {
		Shape out = layer.outputShape(in);
		if (out.size() > MAX_ACTIVATION) {
			throw new IllegalArgumentException(
					layer.kind() + ": output " + out + " has more than " + MAX_ACTIVATION + " values per example");
		}
		long parameters = Layer.count(layer.parameters(in));
		long buffers = Layer.count(layer.buffers(in));
		slots.add(new Slot(name, layer, in, out, offsets[0], parameters, offsets[1], buffers));
		offsets[0] += parameters;
		offsets[1] += buffers;
		return out;
	}

	/**
	 * One layer in place.
	 *
	 * @param name PyTorch-style module name: {@code encoder.3}, {@code mu}, …
	 * @param layer the layer
	 * @param in its input shape
	 * @param out its output shape
	 * @param parameterOffset where its parameters start in the flat vector
	 * @param parameterCount how many it has
	 * @param bufferOffset where its buffers start in the flat buffer vector
	 * @param bufferCount how many it has
	 */
	public record Slot(String name, Layer layer, Shape in, Shape out, long parameterOffset, long parameterCount,
			long bufferOffset, long bufferCount) {
	}

}

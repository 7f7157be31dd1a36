package dev.vae.model.interop;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.layer.Activation;
import dev.vae.model.layer.Layer;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Presets;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Two well-known PyTorch VAEs as our layered architectures, with the module names their
 * state dicts use, read from their sources:
 * <ul>
 * <li>{@code pytorch-examples-vae}, pytorch/examples {@code vae/main.py}: fc1 (D→400),
 * ReLU, fc21 → μ and fc22 → log σ² (400→20), fc3 (20→400), ReLU, fc4 (400→D), sigmoid;
 * trained with BCE, so a Bernoulli head.</li>
 * <li>{@code pytorch-vae-vanilla}, AntixK/PyTorch-VAE {@code models/vanilla_vae.py}:
 * {@code encoder.i.0} Conv2d(3×3, s2, p1), {@code encoder.i.1} BatchNorm2d, LeakyReLU per
 * hidden width; {@code fc_mu}, {@code fc_var}; {@code decoder_input} to the last width ×
 * 2 × 2; {@code decoder.i.0} ConvTranspose2d(3×3, s2, p1, op1), {@code decoder.i.1}
 * BatchNorm2d, LeakyReLU; {@code final_layer.0} ConvTranspose2d, {@code final_layer.1}
 * BatchNorm2d, LeakyReLU, {@code final_layer.3} Conv2d(→3, 3×3, p1), Tanh. This is our
 * {@link Presets#conv} layer for layer, with a tanh-mean Gaussian head.</li>
 * </ul>
 */
final class TorchPresets {

	/** The pytorch/examples VAE's preset name. */
	public static final String EXAMPLES = "pytorch-examples-vae";

	/** The PyTorch-VAE VanillaVAE's preset name. */
	public static final String VANILLA = "pytorch-vae-vanilla";

	private TorchPresets() {
	}

	/**
	 * pytorch/examples' VAE for inputs of {@code inputShape} (784 values in the
	 * original).
	 */
	public static Architecture examples(List<Integer> inputShape, int hidden, int latent, DecoderHead head) {
		return Presets.mlp(inputShape, List.of(hidden), latent, Activation.of(Activation.Function.RELU), head, 1.0);
	}

	/**
	 * VanillaVAE on 3×S×S images: the source reshapes {@code decoder_input}'s output to
	 * 2×2, so S must be 2^(widths + 1) (64 for its five widths).
	 */
	public static Architecture vanilla(int imageSize, List<Integer> hiddenDims, int latent, DecoderHead head) {
		if (hiddenDims.isEmpty() || hiddenDims.size() > 10 || imageSize != 2 << hiddenDims.size()) {
			throw new IllegalArgumentException(VANILLA + ": VanillaVAE views decoder_input's output as 2×2, so "
					+ hiddenDims.size() + " hidden widths need imageSize " + (2L << Math.min(hiddenDims.size(), 30))
					+ ", was " + imageSize);
		}
		return Presets.conv(List.of(3, imageSize, imageSize), hiddenDims, latent, head, 1.0);
	}

	/**
	 * The PyTorch module of each of our layers that has parameters, our module name
	 * ({@code encoder.1}, {@code mu}, …) to theirs ({@code fc1}, {@code fc21}, …).
	 */
	public static Map<String, String> modules(String preset, Architecture architecture) {
		List<String> theirs = new ArrayList<>();
		switch (preset) {
			case EXAMPLES -> theirs.addAll(List.of("fc1", "fc21", "fc22", "fc3", "fc4"));
			case VANILLA -> {
				long blocks = architecture.encoder()
					.stream()
					.filter((l) -> l instanceof dev.vae.model.layer.Conv2d)
					.count();
				for (int i = 0; i < blocks; i++) {
					theirs.add("encoder." + i + ".0");
					theirs.add("encoder." + i + ".1");
				}
				theirs.addAll(List.of("fc_mu", "fc_var", "decoder_input"));
				for (int i = 0; i < blocks - 1; i++) {
					theirs.add("decoder." + i + ".0");
					theirs.add("decoder." + i + ".1");
				}
				theirs.addAll(List.of("final_layer.0", "final_layer.1", "final_layer.3"));
			}
			default -> throw new IllegalArgumentException("unknown preset '" + preset + "'");
		}
		List<String> ours = new ArrayList<>();
		for (Architecture.Slot slot : architecture.slots()) {
			Layer layer = slot.layer();
			if (!layer.parameters(slot.in()).isEmpty() || !layer.buffers(slot.in()).isEmpty()) {
				ours.add(slot.name());
			}
		}
		if (ours.size() != theirs.size()) {
			throw new IllegalStateException(
					preset + ": " + ours.size() + " layers with parameters, the source has " + theirs.size());
		}
		Map<String, String> modules = new LinkedHashMap<>();
		for (int i = 0; i < ours.size(); i++) {
			modules.put(ours.get(i), theirs.get(i));
		}
		return modules;
	}

	/**
	 * Which preset an architecture is, if any, so an export can use the source's names:
	 * pytorch/examples' VAE is one hidden ReLU layer each way and a sigmoid-mean head of
	 * the input's channels.
	 */
	public static Optional<String> recognise(Architecture architecture) {
		Optional<dev.vae.model.layer.Dense> hidden = architecture.encoder()
			.stream()
			.filter((l) -> l instanceof dev.vae.model.layer.Dense)
			.map(dev.vae.model.layer.Dense.class::cast)
			.findFirst();
		if (hidden.isPresent() && architecture.head().activation() == OutputActivation.SIGMOID
				&& architecture.head().outputChannels(1) == 1 && architecture.equals(examples(architecture.inputShape(),
						hidden.get().out(), architecture.latentSize(), architecture.head()))) {
			return Optional.of(EXAMPLES);
		}
		return Optional.empty();
	}

}

package dev.vae.registry;

import dev.vae.model.checkpoint.FormatOneManifest;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Passes;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * A model ready to answer requests: its identity, manifest (format 1 in its layered form)
 * and passes. The passes are only read while served: a format-1 file's own layered
 * network.
 *
 * @param id the model's identifier in responses
 * @param manifest what its checkpoint says about it
 * @param network its passes
 */
public record ServedModel(String id, Manifest manifest, Passes network) {

	/** A model described by a format-1 manifest (an {@code mlp} preset). */
	public static ServedModel of(String id, FormatOneManifest manifest, Network network) {
		return new ServedModel(id, Manifest.of(manifest), network);
	}

	public Architecture architecture() {
		return this.manifest.architecture();
	}

	public DecoderHead head() {
		return architecture().head();
	}

	public int inputLength() {
		return architecture().inputLength();
	}

	public int latentSize() {
		return architecture().latentSize();
	}

	public double beta() {
		return architecture().beta();
	}

	/** One input's shape: C×H×W channels first, or a plain length. */
	public List<Integer> inputShape() {
		return architecture().inputShape();
	}

	/** The input shape as a person reads it: {@code 1×28×28}. */
	public String shapeText() {
		return inputShape().stream().map(String::valueOf).collect(Collectors.joining("×"));
	}

	/** The decoder's likelihood by its wire name. */
	public String likelihood() {
		return head().wireName();
	}

	/**
	 * The classic likelihood this decoder is — Bernoulli, continuous Bernoulli, or a
	 * Gaussian with fixed σ around a sigmoid mean — for which /loss lays out every
	 * reconstruction term of x̂ = σ(η) side by side; empty for the other heads.
	 */
	public Optional<Likelihood> classicLikelihood() {
		DecoderHead head = head();
		if (head instanceof DecoderHead.Bernoulli) {
			return Optional.of(Likelihood.BERNOULLI);
		}
		if (head instanceof DecoderHead.ContinuousBernoulli) {
			return Optional.of(Likelihood.CONTINUOUS_BERNOULLI);
		}
		if (head instanceof DecoderHead.FixedGaussian fixed && fixed.activation() == OutputActivation.SIGMOID) {
			return Optional.of(Likelihood.GAUSSIAN);
		}
		return Optional.empty();
	}

	/** σ of a fixed-σ Gaussian decoder; 1 for the others. */
	public double gaussianSigma() {
		return (head() instanceof DecoderHead.FixedGaussian fixed) ? fixed.sigma() : 1.0;
	}

	/** The decoder mean x̂ of one row of decoder outputs η. */
	public double[] mean(double[] eta) {
		return head().mean(eta, inputLength());
	}

	/** One draw x ~ p(x | η) for one row of decoder outputs. */
	public double[] draw(double[] eta, RandomGenerator random) {
		return head().sample(eta, inputLength(), random);
	}

}

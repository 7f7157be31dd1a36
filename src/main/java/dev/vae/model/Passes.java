package dev.vae.model;

/**
 * The two passes of a VAE over a batch. {@link VaeNetwork} computes them directly; a
 * serving layer may gather concurrent callers' rows into one call (micro-batching) behind
 * the same interface.
 */
public interface Passes {

	/** q(z|x) for a batch of inputs. */
	Encoding encode(double[][] inputs);

	/** The decoder's logits η for a batch of latent vectors. */
	double[][] decodeLogits(double[][] z);

}

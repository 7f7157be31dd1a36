package dev.vae.model.network;

/**
 * The two passes of a VAE over a batch. {@link Network} computes them directly; a serving
 * layer may gather concurrent callers' rows into one call (micro-batching) behind the
 * same interface.
 */
public interface Passes {

	/** q(z|x) for a batch of inputs. */
	Encoding encode(double[][] inputs);

	/** The decoder's logits η for a batch of latent vectors. */
	double[][] decodeLogits(double[][] z);

	/**
	 * These passes, refusing any answer that is not finite: μ and log σ² must be finite
	 * and σ = e^(logvar/2) representable, η finite. Float arithmetic overflows for inputs
	 * far outside what a model was trained on; such a request gets an
	 * {@link OutOfRangeException}, never NaN.
	 */
	static Passes checked(Passes passes) {
		return new Passes() {
			@Override
			public Encoding encode(double[][] inputs) {
				Encoding q = passes.encode(inputs);
				requireFinite(q.mu(), Double.MAX_VALUE, "the encoder's mean μ");
				// e^(logvar/2) overflows a double above logvar ≈ 1419.6
				requireFinite(q.logvar(), 1419, "the encoder's log-variance");
				return q;
			}

			@Override
			public double[][] decodeLogits(double[][] z) {
				return requireFinite(passes.decodeLogits(z), Double.MAX_VALUE, "the decoder's output");
			}
		};
	}

	private static double[][] requireFinite(double[][] rows, double max, String what) {
		for (int i = 0; i < rows.length; i++) {
			for (double v : rows[i]) {
				if (!(Math.abs(v) <= max)) {
					throw new OutOfRangeException("row " + i + " drives the model out of float range: " + what + " is "
							+ v + "; inputs far outside the training data overflow float32 arithmetic");
				}
			}
		}
		return rows;
	}

}

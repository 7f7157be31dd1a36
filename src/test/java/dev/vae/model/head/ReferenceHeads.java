package dev.vae.model.head;

/**
 * The decoder heads' NLL of one input written directly from each density, sharing no code
 * with {@link DecoderHead}: the referee for its values and, by finite differences, its
 * gradients.
 */
public final class ReferenceHeads {

	private ReferenceHeads() {
	}

	public static double nll(DecoderHead head, double[] x, double[] eta) {
		int d = x.length;
		double log2pi = Math.log(2 * Math.PI);
		double sum = 0;
		if (head instanceof DecoderHead.Bernoulli) {
			for (int j = 0; j < d; j++) {
				double p = 1 / (1 + Math.exp(-eta[j]));
				sum -= x[j] * Math.log(p) + (1 - x[j]) * Math.log(1 - p);
			}
			return sum;
		}
		if (head instanceof DecoderHead.ContinuousBernoulli) {
			for (int j = 0; j < d; j++) {
				double p = 1 / (1 + Math.exp(-eta[j]));
				// −log[C(λ) λ^x (1 − λ)^(1−x)] with C from its mean-parameter form
				sum -= ContinuousBernoulli.logNormaliser(p) + x[j] * Math.log(p) + (1 - x[j]) * Math.log(1 - p);
			}
			return sum;
		}
		if (head instanceof DecoderHead.FixedGaussian g) {
			for (int j = 0; j < d; j++) {
				double r = x[j] - f(g.activation(), eta[j]);
				sum += 0.5 * r * r / (g.sigma() * g.sigma()) + 0.5 * Math.log(g.sigma() * g.sigma()) + 0.5 * log2pi;
			}
			return sum;
		}
		if (head instanceof DecoderHead.LearnedGaussian g) {
			for (int j = 0; j < d; j++) {
				double r = x[j] - f(g.activation(), eta[j]);
				double variance = Math.exp(eta[d + j]);
				sum += 0.5 * r * r / variance + 0.5 * Math.log(2 * Math.PI * variance);
			}
			return sum;
		}
		DecoderHead.CalibratedGaussian g = (DecoderHead.CalibratedGaussian) head;
		double mse = 0;
		for (int j = 0; j < d; j++) {
			double r = x[j] - f(g.activation(), eta[j]);
			mse += r * r / d;
		}
		// at σ² = MSE the quadratic term is D/2: −log p = D/2 (1 + log 2π MSE)
		return 0.5 * d * (1 + Math.log(2 * Math.PI * mse));
	}

	static double f(OutputActivation activation, double eta) {
		return switch (activation) {
			case SIGMOID -> 1 / (1 + Math.exp(-eta));
			case TANH -> (Math.exp(eta) - Math.exp(-eta)) / (Math.exp(eta) + Math.exp(-eta));
			case IDENTITY -> eta;
		};
	}

}

package dev.vae.model.head;

/**
 * Per-value reconstruction terms in double precision, all written in terms of the
 * decoder's logit η.
 * <p>
 * BCE from x̂ = σ(η) would need x̂ clamped away from 0 and 1 (x̂ rounds to exactly 1 in
 * float32 once η &gt; 17). Writing it with log σ(η) = −softplus(−η) and log(1 − σ(η)) =
 * −softplus(η) gives the same value for every η with no clamp, so none is applied.
 */
public final class Reconstruction {

	/** ½ log 2π. */
	public static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

	private Reconstruction() {
	}

	/** The decoder mean x̂ = σ(η) = 1 / (1 + e^−η), in double. */
	public static double mean(double eta) {
		return (eta >= 0) ? 1 / (1 + Math.exp(-eta)) : Math.exp(eta) / (1 + Math.exp(eta));
	}

	/** softplus(η) = log(1 + e^η), stable for any η: max(η, 0) + log1p(e^−|η|). */
	public static double softplus(double eta) {
		return Math.max(eta, 0) + log1p(Math.exp(-Math.abs(eta)));
	}

	/**
	 * −[x log σ(η) + (1 − x) log(1 − σ(η))] = x·softplus(−η) + (1 − x)·softplus(η).
	 * Algebraically softplus(η) − xη, but this form keeps full relative precision when
	 * the loss is tiny (x = 1, η = 40 gives e^−40, not 0). Both softplus terms share
	 * log1p(e^−|η|), computed once.
	 */
	public static double bce(double x, double eta) {
		double shared = log1p(Math.exp(-Math.abs(eta)));
		return x * (Math.max(-eta, 0) + shared) + (1 - x) * (Math.max(eta, 0) + shared);
	}

	/**
	 * log(1 + t) for t ≥ 0 to within a few ulps, from the intrinsic {@link Math#log}:
	 * with u = fl(1 + t), log1p(t) = log(u)·t/(u − 1), the rounding of u cancelling in
	 * the ratio (Goldberg 1991, theorem 4). {@link Math#log1p} is the same function but
	 * not intrinsified, and cost a fifth of a training step in the Bernoulli head.
	 */
	public static double log1p(double t) {
		double u = 1 + t;
		return (u == 1) ? t : Math.log(u) * (t / (u - 1));
	}

	/** (x − μ)²/(2σ²) + log σ + ½ log 2π: the NLL of x under N(μ, σ²). */
	public static double gaussianNll(double x, double mean, double sigma) {
		double d = x - mean;
		return d * d / (2 * sigma * sigma) + Math.log(sigma) + HALF_LOG_TWO_PI;
	}

	/**
	 * KL(N(μ, e^lv) ‖ N(0, 1)) = ½(μ² + e^lv − 1 − lv), with e^lv − 1 as expm1 for
	 * accuracy near lv = 0.
	 */
	public static double kl(double mu, double logvar) {
		return 0.5 * (mu * mu + Math.expm1(logvar) - logvar);
	}

	/** log N(z; 0, 1) = −½ z² − ½ log 2π. */
	public static double logStandardNormal(double z) {
		return -0.5 * z * z - HALF_LOG_TWO_PI;
	}

	/** log N(z; μ, e^lv) with ε = (z − μ)/σ: −½ ε² − ½ lv − ½ log 2π. */
	public static double logNormal(double z, double mu, double logvar) {
		double e = (z - mu) * Math.exp(-0.5 * logvar);
		return -0.5 * e * e - 0.5 * logvar - HALF_LOG_TWO_PI;
	}

}

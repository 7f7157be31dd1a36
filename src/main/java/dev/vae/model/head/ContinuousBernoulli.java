package dev.vae.model.head;

/**
 * The log-normaliser of the continuous Bernoulli distribution, p(x|λ) = C(λ) λ^x (1 −
 * λ)^(1−x) on [0, 1], with C(λ) = 2 artanh(1 − 2λ) / (1 − 2λ) and C(½) = 2. With λ = σ(η)
 * this is C = η / tanh(η/2), which is what the network uses; both forms are here so that
 * each can be checked against the other.
 */
public final class ContinuousBernoulli {

	private static final double LOG_TWO = Math.log(2);

	/**
	 * Below this |η| (or |1 − 2λ|) the closed form loses digits to 0/0, and the series is
	 * exact to double.
	 */
	public static final double SERIES_BELOW = 1e-3;

	private ContinuousBernoulli() {
	}

	/**
	 * log C for λ = σ(η): log(η / tanh(η/2)), an even function of η. Near 0 the series
	 * log 2 + η²/12 − 7η⁴/1440; else log|η| − log tanh(|η|/2) with log tanh(a/2) =
	 * log1p(−2/(e^a + 1)).
	 */
	public static double logNormaliserOfLogit(double eta) {
		double a = Math.abs(eta);
		if (a < SERIES_BELOW) {
			double a2 = a * a;
			return LOG_TWO + a2 / 12 - 7 * a2 * a2 / 1440;
		}
		return Math.log(a) - Math.log1p(-2 / (Math.exp(a) + 1));
	}

	/**
	 * log C(λ) from the mean parameter λ ∈ (0, 1), written as the paper writes it: with y
	 * = 1 − 2λ, C = 2 artanh(y)/y. Near λ = ½ the series log 2 + log1p(y²/3 + y⁴/5 +
	 * y⁶/7); near 0 and 1, artanh(y) = ½ (log1p(−λ) − log λ) keeps the digits that 1 − 2λ
	 * would lose.
	 */
	public static double logNormaliser(double lambda) {
		if (!(lambda > 0 && lambda < 1)) {
			throw new IllegalArgumentException("λ must lie in (0, 1), was " + lambda);
		}
		double y = 1 - 2 * lambda;
		if (Math.abs(y) < SERIES_BELOW) {
			double y2 = y * y;
			return LOG_TWO + Math.log1p(y2 / 3 + y2 * y2 / 5 + y2 * y2 * y2 / 7);
		}
		// artanh(1 − 2λ) = ½ log((1 − λ)/λ), each logarithm taken where its argument is
		// exact
		double artanh = (lambda < 0.5) ? 0.5 * (Math.log1p(-lambda) - Math.log(lambda))
				: 0.5 * (Math.log(1 - lambda) - Math.log1p(-(1 - lambda)));
		return Math.log(2 * artanh / y);
	}

	/**
	 * d log C / dη = 1/η − 1/sinh η (series η/6 − 7η³/360 near 0): what the
	 * continuous-Bernoulli gradient adds to the Bernoulli one.
	 */
	public static double logNormaliserDerivative(double eta) {
		if (Math.abs(eta) < SERIES_BELOW) {
			return eta / 6 - 7 * eta * eta * eta / 360;
		}
		return 1 / eta - 1 / Math.sinh(eta);
	}

	/**
	 * Inverse-CDF draw from CB(λ = σ(η)) for a uniform u: x = log1p(u (e^η − 1)) / η,
	 * written so that neither e^η overflows nor the η → 0 limit (x = u) divides by zero.
	 */
	public static double sample(double eta, double u) {
		if (Math.abs(eta) < 1e-8) {
			return u;
		}
		double x = (eta > 0) ? (eta + Math.log(u + (1 - u) * Math.exp(-eta))) / eta
				: Math.log1p(u * Math.expm1(eta)) / eta;
		return Math.min(1, Math.max(0, x));
	}

}

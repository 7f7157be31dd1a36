package dev.vae.model.analysis;

import dev.vae.model.head.ContinuousBernoulli;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.head.PixelNll;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Passes;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The anomaly scores on a linear-Gaussian VAE whose p(x) has a closed form, the per-pixel
 * map of every head, and the false-positive rate a reference's threshold realises on
 * fresh normal data.
 */
class AnomalyScoreTests {

	/** A linear-Gaussian VAE, 1 latent, 2 pixels: p(x) = N(x; b, wwᵀ + σ²I). */
	static class LinearGaussian implements Passes {

		static final double[] W = { 1.2, -0.7 };

		static final double[] B = { 0.3, -0.1 };

		static final double SIGMA = 0.5;

		final DecoderHead head = new DecoderHead.FixedGaussian(OutputActivation.IDENTITY, SIGMA);

		/**
		 * An encoder that is deliberately not the exact posterior (mean shifted, variance
		 * widened), so the importance weights vary and the estimate has an error to
		 * report.
		 */
		@Override
		public Encoding encode(double[][] inputs) {
			// exact posterior: s² = 1/(1 + wᵀw/σ²), m = s² wᵀ(x − b)/σ²
			double wtw = W[0] * W[0] + W[1] * W[1];
			double s2 = 1 / (1 + wtw / (SIGMA * SIGMA));
			double[][] mu = new double[inputs.length][1];
			double[][] logvar = new double[inputs.length][1];
			for (int i = 0; i < inputs.length; i++) {
				double m = s2 * (W[0] * (inputs[i][0] - B[0]) + W[1] * (inputs[i][1] - B[1])) / (SIGMA * SIGMA);
				mu[i][0] = m + 0.15;
				logvar[i][0] = Math.log(1.6 * s2);
			}
			return new Encoding(mu, logvar);
		}

		@Override
		public double[][] decodeLogits(double[][] z) {
			double[][] eta = new double[z.length][2];
			for (int i = 0; i < z.length; i++) {
				eta[i][0] = W[0] * z[i][0] + B[0];
				eta[i][1] = W[1] * z[i][0] + B[1];
			}
			return eta;
		}

		/** −log N(x; b, wwᵀ + σ²I), the 2×2 Gaussian in closed form. */
		static double exactNll(double[] x) {
			double s2 = SIGMA * SIGMA;
			double a = W[0] * W[0] + s2;
			double c = W[1] * W[1] + s2;
			double b = W[0] * W[1];
			double det = a * c - b * b;
			double r0 = x[0] - B[0];
			double r1 = x[1] - B[1];
			// rᵀ Σ⁻¹ r with Σ⁻¹ = [[c, −b], [−b, a]] / det
			double quad = (c * r0 * r0 - 2 * b * r0 * r1 + a * r1 * r1) / det;
			return 0.5 * quad + 0.5 * Math.log(det) + Math.log(2 * Math.PI);
		}

		/** A draw x ~ p(x): z ~ N(0, 1), x = wz + b + σε. */
		static double[] draw(SplittableRandom random) {
			double z = random.nextGaussian();
			return new double[] { W[0] * z + B[0] + SIGMA * random.nextGaussian(),
					W[1] * z + B[1] + SIGMA * random.nextGaussian() };
		}

	}

	@Test
	void theScoreIsMinusLogPOfXWithinItsStandardError() {
		LinearGaussian model = new LinearGaussian();
		SplittableRandom random = new SplittableRandom(11);
		int n = 200;
		double[][] x = new double[n][];
		for (int i = 0; i < n; i++) {
			x[i] = LinearGaussian.draw(random);
		}
		// one far-out input too
		x[0] = new double[] { 3.0, 2.5 };
		List<AnomalyScore.Score> scores = AnomalyScore.score(model, model.head, 1, x, 200, 5, false);
		int withinTwo = 0;
		for (int i = 0; i < n; i++) {
			AnomalyScore.Score s = scores.get(i);
			double exact = LinearGaussian.exactNll(x[i]);
			assertThat(s.k()).isEqualTo(200);
			assertThat(s.standardError()).isPositive();
			double z = (s.negLogLikelihood() - exact) / s.standardError();
			assertThat(Math.abs(z))
				.as("input %d: score %f, exact %f, se %f", i, s.negLogLikelihood(), exact, s.standardError())
				.isLessThan(4);
			if (Math.abs(z) < 2) {
				withinTwo++;
			}
			// the ELBO is a lower bound on log p(x): −ELBO ≥ −log p(x) up to its noise
			assertThat(s.negElbo()).isGreaterThan(exact - 4 * s.standardError());
		}
		// the standard error is not a loose bound: about 95% of the errors lie within two
		assertThat(withinTwo).isGreaterThanOrEqualTo((int) (0.85 * n));
	}

	@Test
	void theExactPosteriorMakesEveryWeightEqualAndTheScoreExact() {
		LinearGaussian exact = new LinearGaussian() {
			@Override
			public Encoding encode(double[][] inputs) {
				Encoding q = super.encode(inputs);
				double wtw = W[0] * W[0] + W[1] * W[1];
				double s2 = 1 / (1 + wtw / (SIGMA * SIGMA));
				for (int i = 0; i < inputs.length; i++) {
					q.mu()[i][0] -= 0.15;
					q.logvar()[i][0] = Math.log(s2);
				}
				return q;
			}
		};
		double[] x = { 0.8, -0.9 };
		AnomalyScore.Score s = AnomalyScore.score(exact, exact.head, 1, new double[][] { x }, 10, 1, false).get(0);
		assertThat(s.negLogLikelihood()).isCloseTo(LinearGaussian.exactNll(x), within(1e-9));
		assertThat(s.standardError()).isLessThan(1e-9);
		assertThat(s.negElbo()).isCloseTo(LinearGaussian.exactNll(x), within(1e-9));
	}

	@Test
	void reconstructionErrorAndNllAtTheMeanAreThoseOfZEqualsMu() {
		LinearGaussian model = new LinearGaussian();
		double[] x = { 0.4, 0.2 };
		AnomalyScore.Score s = AnomalyScore.score(model, model.head, 1, new double[][] { x }, 4, 1, true).get(0);
		double mu = model.encode(new double[][] { x }).mu()[0][0];
		double[] xhat = { LinearGaussian.W[0] * mu + LinearGaussian.B[0],
				LinearGaussian.W[1] * mu + LinearGaussian.B[1] };
		double sse = (x[0] - xhat[0]) * (x[0] - xhat[0]) + (x[1] - xhat[1]) * (x[1] - xhat[1]);
		assertThat(s.reconstructionMse()).isCloseTo(sse / 2, within(1e-12));
		double nll = sse / (2 * 0.25) + 2 * (Math.log(0.5) + 0.5 * Math.log(2 * Math.PI));
		assertThat(s.nllAtMean()).isCloseTo(nll, within(1e-12));
		assertThat(s.pixelNll()).hasSize(2);
		assertThat(s.pixelNll()[0] + s.pixelNll()[1]).isCloseTo(nll, within(1e-12));
	}

	@Test
	void thePixelMapOfEveryHeadSumsToItsNll() {
		SplittableRandom random = new SplittableRandom(3);
		int d = 6;
		double[] x = new double[d];
		double[] eta = new double[2 * d];
		for (int j = 0; j < d; j++) {
			x[j] = random.nextDouble();
			eta[j] = 2 * random.nextGaussian();
			eta[d + j] = random.nextGaussian();
		}
		List<DecoderHead> heads = List.of(new DecoderHead.Bernoulli(), new DecoderHead.ContinuousBernoulli(),
				new DecoderHead.FixedGaussian(OutputActivation.SIGMOID, 0.3),
				new DecoderHead.LearnedGaussian(OutputActivation.TANH),
				new DecoderHead.CalibratedGaussian(OutputActivation.IDENTITY));
		for (DecoderHead head : heads) {
			double[] map = PixelNll.of(head, x, eta);
			double sum = 0;
			for (double v : map) {
				sum += v;
			}
			assertThat(sum).as(head.wireName()).isCloseTo(head.nll(x, 0, eta, 0, d, null), within(1e-10));
		}
		// a Bernoulli pixel's NLL is its own binary cross-entropy
		double[] bernoulli = PixelNll.of(new DecoderHead.Bernoulli(), x, eta);
		double p = 1 / (1 + Math.exp(-eta[2]));
		assertThat(bernoulli[2]).isCloseTo(-(x[2] * Math.log(p) + (1 - x[2]) * Math.log(1 - p)), within(1e-12));
	}

	@Test
	void theRealisedFalsePositiveRateOnFreshNormalDataIsTheConfiguredOne() {
		LinearGaussian model = new LinearGaussian();
		SplittableRandom random = new SplittableRandom(2026);
		// a reference large enough that its own quantile error (sd √(α(1−α)/n) ≈ 0.0002)
		// is small beside the binomial spread of the fresh sample's count
		int referenceSize = 200_000;
		int fresh = 20_000;
		double fpr = 0.01;
		AnomalyReference reference = AnomalyReference.of(scores(model, referenceSize, random), 8);
		double[] test = scores(model, fresh, random);
		int flagged = 0;
		for (double s : test) {
			if (reference.anomalous(s, fpr)) {
				flagged++;
			}
		}
		int[] interval = binomialInterval(fresh, fpr, 0.99);
		System.out.printf("fpr %.3f: %d of %d fresh normal inputs flagged (%.4f); binomial 99%% interval [%d, %d]%n",
				fpr, flagged, fresh, (double) flagged / fresh, interval[0], interval[1]);
		assertThat(flagged).isBetween(interval[0], interval[1]);
	}

	private static double[] scores(LinearGaussian model, int n, SplittableRandom random) {
		double[][] x = new double[n][];
		for (int i = 0; i < n; i++) {
			x[i] = LinearGaussian.draw(random);
		}
		return AnomalyScore.score(model, model.head, 1, x, 8, random.nextLong(), false)
			.stream()
			.mapToDouble(AnomalyScore.Score::negLogLikelihood)
			.toArray();
	}

	/**
	 * The central interval [lo, hi] of Binomial(n, p) holding at least {@code level}: the
	 * (1 − level)/2 and (1 + level)/2 quantiles of its exact CDF.
	 */
	static int[] binomialInterval(int n, double p, double level) {
		double tail = (1 - level) / 2;
		double cdf = 0;
		int lo = -1;
		int hi = n;
		for (int k = 0; k <= n; k++) {
			// log C(n, k) + k log p + (n − k) log(1 − p)
			double logPmf = logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p)
					+ (n - k) * Math.log1p(-p);
			cdf += Math.exp(logPmf);
			if (lo < 0 && cdf >= tail) {
				lo = k;
			}
			if (cdf >= 1 - tail) {
				hi = k;
				break;
			}
		}
		return new int[] { lo, hi };
	}

	private static double logFactorial(int n) {
		double sum = 0;
		for (int i = 2; i <= n; i++) {
			sum += Math.log(i);
		}
		return sum;
	}

	@Test
	void theBinomialIntervalIsTheTextbookOne() {
		// Binomial(100, 0.5): P(X ≤ 37) = 0.006, P(X ≤ 36) = 0.0033 → 0.5% quantile 37
		assertThat(binomialInterval(100, 0.5, 0.99)).containsExactly(37, 63);
	}

}

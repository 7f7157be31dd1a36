package dev.vae.model.analysis;

import dev.vae.model.checkpoint.FormatOneCheckpoint;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.Reconstruction;
import dev.vae.model.network.ActivationKind;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.Network;

import org.nd4j.linalg.api.buffer.DataType;
import java.io.InputStream;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code /loss}'s numbers on a model whose weights the test sets (2-D input, 1-D latent,
 * no hidden layers, double precision), against hand-computed closed forms, plus the
 * statistical properties of its estimators.
 */
class LossAnalysisTests {

	// μ = 0.3·x₁ − 0.5·x₂ + 0.1; log σ² = −0.4·x₁ + 0.2·x₂ − 1; η = z·(1.2, −0.7) +
	// (0.05, 0.3)
	private static final double[] PARAMS = { 0.3, -0.5, 0.1, -0.4, 0.2, -1.0, 1.2, -0.7, 0.05, 0.3 };

	private static final double[] X = { 0.2, 0.9 };

	static FormatOneArchitecture tiny(Likelihood likelihood) {
		return new FormatOneArchitecture(List.of(2), List.of(), List.of(), 1, ActivationKind.TANH, likelihood, 0.5,
				2.0);
	}

	private static double relative(double expected) {
		return 1e-6 * Math.abs(expected);
	}

	@Test
	void everyTermAtTheMeanMatchesItsClosedForm() {
		Network network = Network.fromFormatOne(tiny(Likelihood.BERNOULLI), PARAMS, DataType.DOUBLE);
		LossAnalysis.InputLoss loss = LossAnalysis
			.analyse(network, new double[][] { X }, new LossAnalysis.Options(0.5, 0, 0, 1, true))
			.get(0);

		double mu = 0.3 * X[0] - 0.5 * X[1] + 0.1;
		double logvar = -0.4 * X[0] + 0.2 * X[1] - 1.0;
		double[] xhat = { 1 / (1 + Math.exp(-(mu * 1.2 + 0.05))), 1 / (1 + Math.exp(-(mu * -0.7 + 0.3))) };
		double bce = 0;
		double sse = 0;
		double logC = 0;
		for (int j = 0; j < 2; j++) {
			bce -= X[j] * Math.log(xhat[j]) + (1 - X[j]) * Math.log(1 - xhat[j]);
			sse += (X[j] - xhat[j]) * (X[j] - xhat[j]);
			double y = 1 - 2 * xhat[j];
			double artanh = 0.5 * Math.log((1 + y) / (1 - y));
			logC += Math.log(2 * artanh / y);
		}
		double kl = 0.5 * (mu * mu + Math.exp(logvar) - 1 - logvar);

		assertThat(loss.mu()[0]).isCloseTo(mu, within(relative(mu)));
		assertThat(loss.kl()).isCloseTo(kl, within(relative(kl)));
		assertThat(loss.klPerDimension()).hasSize(1);
		LossAnalysis.Terms t = loss.atMean();
		assertThat(t.bce()).isCloseTo(bce, within(relative(bce)));
		assertThat(t.sse()).isCloseTo(sse, within(relative(sse)));
		assertThat(t.mse()).isCloseTo(sse / 2, within(relative(sse / 2)));
		double gaussian = sse / (2 * 0.25) + 2 * Math.log(0.5) + Math.log(2 * Math.PI);
		assertThat(t.gaussianNll()).isCloseTo(gaussian, within(relative(gaussian)));
		assertThat(t.logNormaliser()).isCloseTo(logC, within(relative(logC)));
		assertThat(t.continuousBernoulliNll()).isCloseTo(bce - logC, within(relative(bce - logC)));
		// the model's own NLL is its head's: BCE for a Bernoulli decoder
		assertThat(t.modelNll()).isEqualTo(t.bce());
	}

	@Test
	void atOneHalfBernoulliAndContinuousBernoulliDifferByDLogTwo() {
		double[] params = PARAMS.clone();
		// decoder weights and biases zero: η = 0, x̂ = ½ whatever z is
		java.util.Arrays.fill(params, 6, 10, 0.0);
		Network network = Network.fromFormatOne(tiny(Likelihood.CONTINUOUS_BERNOULLI), params, DataType.DOUBLE);
		double[][] binary = { { 0, 1 }, { 1, 1 } };
		for (LossAnalysis.InputLoss loss : LossAnalysis.analyse(network, binary,
				new LossAnalysis.Options(1, 0, 0, 1, true))) {
			LossAnalysis.Terms t = loss.atMean();
			assertThat(t.bce()).isCloseTo(2 * Math.log(2), within(1e-15));
			assertThat(t.bce() - t.continuousBernoulliNll()).isCloseTo(2 * Math.log(2), within(1e-15));
			// CB(½) is the uniform density on [0, 1]: its NLL is 0
			assertThat(t.continuousBernoulliNll()).isCloseTo(0, within(1e-15));
			assertThat(t.modelNll()).isEqualTo(t.continuousBernoulliNll());
		}
	}

	@Test
	void forBinaryInputsTheTwoDifferBySumOfLogC() {
		Network network = Network.fromFormatOne(tiny(Likelihood.BERNOULLI), PARAMS, DataType.DOUBLE);
		LossAnalysis.InputLoss loss = LossAnalysis
			.analyse(network, new double[][] { { 1, 0 } }, new LossAnalysis.Options(1, 0, 0, 1, true))
			.get(0);
		double mu = 0.3 - 0 + 0.1;
		double sumLogC = 0;
		for (double eta : new double[] { mu * 1.2 + 0.05, mu * -0.7 + 0.3 }) {
			double lambda = 1 / (1 + Math.exp(-eta));
			double y = 1 - 2 * lambda;
			sumLogC += Math.log(2 * 0.5 * Math.log((1 + y) / (1 - y)) / y);
		}
		LossAnalysis.Terms t = loss.atMean();
		assertThat(t.bce() - t.continuousBernoulliNll()).isCloseTo(sumLogC, within(relative(sumLogC)));
	}

	@Test
	void iwaeConvergesToTheExactLogLikelihoodFoundByQuadrature() {
		Network network = Network.fromFormatOne(tiny(Likelihood.BERNOULLI), PARAMS, DataType.DOUBLE);
		// log p(x) = log ∫ p(x|z) N(z; 0, 1) dz, by the trapezoidal rule on [−12, 12]
		int n = 200_000;
		double h = 24.0 / n;
		double[][] z = new double[n + 1][1];
		for (int i = 0; i <= n; i++) {
			z[i][0] = -12 + i * h;
		}
		double[][] eta = network.decodeLogits(z);
		double integral = 0;
		for (int i = 0; i <= n; i++) {
			double logJoint = -(Reconstruction.bce(X[0], eta[i][0]) + Reconstruction.bce(X[1], eta[i][1]))
					+ Reconstruction.logStandardNormal(z[i][0]);
			integral += ((i == 0 || i == n) ? 0.5 : 1) * Math.exp(logJoint);
		}
		double logPx = Math.log(integral * h);

		int runs = 10;
		double[] estimates = new double[runs];
		for (int r = 0; r < runs; r++) {
			LossAnalysis.Iwae iwae = LossAnalysis
				.analyse(network, new double[][] { X }, new LossAnalysis.Options(1, 0, 2000, r, true))
				.get(0)
				.iwae();
			assertThat(iwae.elbo()).isLessThan(logPx);
			estimates[r] = iwae.logLikelihood();
		}
		LossAnalysis.Estimate iwae = LossAnalysis.Estimate.of(estimates);
		System.out.printf("log p(x) by quadrature %.6f, IWAE k=2000 over %d runs %.6f ± %.6f%n", logPx, runs,
				iwae.mean(), iwae.standardError());
		// to first order the bias is −(per-run variance)/2, about 3·10⁻⁴ here, far below
		// four standard errors
		assertThat(iwae.mean()).isCloseTo(logPx, within(4 * iwae.standardError()));
	}

	@Test
	void theSampledKlConvergesToTheAnalyticKl() {
		FormatOneCheckpoint.Loaded model = defaultModel();
		double[][] x = { shape(0) };
		int l = 10_000;
		LossAnalysis.InputLoss loss = LossAnalysis
			.analyse(model.network(), x, new LossAnalysis.Options(1, l, 0, 5, true))
			.get(0);
		LossAnalysis.Estimate kl = loss.monteCarlo().kl();
		// four standard errors: a false alarm once in ~16,000 runs, and fixed seeds make
		// it deterministic
		assertThat(kl.mean()).isCloseTo(loss.kl(), within(4 * kl.standardError()));
		assertThat(kl.standardError()).isLessThan(0.05 * loss.kl());
	}

	@Test
	void theStandardErrorShrinksLikeOneOverRootL() {
		FormatOneCheckpoint.Loaded model = defaultModel();
		double[][] x = { shape(1) };
		LossAnalysis.Estimate small = LossAnalysis
			.analyse(model.network(), x, new LossAnalysis.Options(1, 100, 0, 11, true))
			.get(0)
			.monteCarlo()
			.bce();
		LossAnalysis.Estimate large = LossAnalysis
			.analyse(model.network(), x, new LossAnalysis.Options(1, 10_000, 0, 12, true))
			.get(0)
			.monteCarlo()
			.bce();
		// kurtosis κ of the per-draw BCE, from a third independent set of 10,000 draws
		double kurtosis = kurtosisOfBce(model.network(), x[0], 10_000, 13);
		// a sample standard deviation from L draws has relative spread √((κ − 1)/(4L));
		// four of those on the ratio
		double spread = Math.sqrt((kurtosis - 1) / 400 + (kurtosis - 1) / 40_000);
		double ratio = small.standardError() / large.standardError();
		assertThat(ratio / 10).isCloseTo(1.0, within(4 * spread));
		assertThat(large.mean()).isCloseTo(small.mean(), within(4 * small.standardError()));
	}

	@Test
	void iwaeIsAtLeastTheElboAndGrowsWithK() {
		FormatOneCheckpoint.Loaded model = defaultModel();
		double[][] x = { shape(2) };
		int runs = 100;
		int[] ks = { 1, 10, 100 };
		double[][] estimates = new double[ks.length][runs];
		double[] elbo = new double[runs];
		for (int r = 0; r < runs; r++) {
			for (int i = 0; i < ks.length; i++) {
				LossAnalysis.Iwae iwae = LossAnalysis
					.analyse(model.network(), x, new LossAnalysis.Options(1, 0, ks[i], 1000L * r + i, true))
					.get(0)
					.iwae();
				// log-mean-exp ≥ mean-log for every set of draws (Jensen), so this holds
				// run by run
				assertThat(iwae.logLikelihood()).isGreaterThanOrEqualTo(iwae.elbo());
				estimates[i][r] = iwae.logLikelihood();
				if (ks[i] == 100) {
					elbo[r] = iwae.elbo();
				}
			}
		}
		// k = 1 is the single-sample ELBO; on average the bound must not fall as k grows,
		// within 3 standard errors
		for (int i = 1; i < ks.length; i++) {
			LossAnalysis.Estimate diff = differences(estimates[i], estimates[i - 1]);
			assertThat(diff.mean()).as("IWAE_%d − IWAE_%d", ks[i], ks[i - 1]).isGreaterThan(-3 * diff.standardError());
		}
		LossAnalysis.Estimate gain = differences(estimates[2], elbo);
		assertThat(gain.mean()).isGreaterThan(3 * gain.standardError());
	}

	private static LossAnalysis.Estimate differences(double[] a, double[] b) {
		double[] d = new double[a.length];
		for (int i = 0; i < a.length; i++) {
			d[i] = a[i] - b[i];
		}
		return LossAnalysis.Estimate.of(d);
	}

	private static double kurtosisOfBce(Network network, double[] x, int n, long seed) {
		Encoding q = network.encode(new double[][] { x });
		SplittableRandom random = new SplittableRandom(seed);
		double[][] z = new double[n][];
		for (int i = 0; i < n; i++) {
			z[i] = q.reparameterise(0, Evaluation.gaussian(random, network.latentSize()));
		}
		double[][] eta = network.decodeLogits(z);
		double[] bce = new double[n];
		double mean = 0;
		for (int i = 0; i < n; i++) {
			bce[i] = LossAnalysis.Terms.of(x, eta[i], 1, true).bce();
			mean += bce[i] / n;
		}
		double m2 = 0;
		double m4 = 0;
		for (double v : bce) {
			double d = (v - mean) * (v - mean);
			m2 += d / n;
			m4 += d * d / n;
		}
		return m4 / (m2 * m2);
	}

	static FormatOneCheckpoint.Loaded defaultModel() {
		try (InputStream in = LossAnalysisTests.class.getResourceAsStream("/models/default.vae")) {
			return FormatOneCheckpoint.read(in, "default.vae", 10_000_000);
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A held-out image of the built-in dataset the default model was not trained on. */
	private static double[] shape(int i) {
		return dev.vae.data.Shapes.generate(1, 23_000 + i, 1).examples().row(0);
	}

	@Test
	void theTermsAtTheMeanOfAServedModelDoNotDependOnHowManyDrawsWereAskedFor() {
		dev.vae.model.checkpoint.Checkpoint.Loaded loaded = dev.vae.model.checkpoint.Checkpoint
			.read(java.nio.file.Path.of("src/main/resources/models/default.vae"), 10_000_000);
		SplittableRandom r = new SplittableRandom(11);
		double[][] x = new double[2][784];
		for (double[] row : x) {
			for (int j = 0; j < row.length; j++) {
				row[j] = r.nextInt(10_001) / 10_000.0;
			}
		}
		for (double[][] inputs : new double[][][] { { x[0] }, x }) {
			List<LossAnalysis.InputLoss> none = LossAnalysis.analyse(loaded.passes(),
					loaded.network().architecture().head(), 20, inputs, new LossAnalysis.Options(1, 0, 0, 1, true));
			// one draw (decoded with the means in one call), three, sixteen, and
			// importance draws
			for (int[] draws : new int[][] { { 1, 0 }, { 3, 0 }, { 16, 0 }, { 1, 5 } }) {
				List<LossAnalysis.InputLoss> some = LossAnalysis.analyse(loaded.passes(),
						loaded.network().architecture().head(), 20, inputs,
						new LossAnalysis.Options(1, draws[0], draws[1], 1, true));
				for (int i = 0; i < inputs.length; i++) {
					assertThat(some.get(i).atMean()).as("%d inputs, L = %d, k = %d", inputs.length, draws[0], draws[1])
						.isEqualTo(none.get(i).atMean());
				}
			}
		}
	}

}

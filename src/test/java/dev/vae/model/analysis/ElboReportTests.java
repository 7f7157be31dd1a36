package dev.vae.model.analysis;

import dev.vae.model.head.Likelihood;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The ELBO arithmetic on measured terms chosen by hand: each ELBO is −(NLL + β·KL), the
 * model's own is the one of its likelihood, the Gaussian NLL under the model's σ is
 * affine in SSE (mean and standard error scale by 1/(2σ²)), and bits per dimension use
 * the best estimate of −log p(x) asked for, with β = 1.
 */
class ElboReportTests {

	private static final int D = 4;

	private static final double LN2 = Math.log(2);

	private static LossAnalysis.InputLoss analysed(LossAnalysis.MonteCarlo mc, LossAnalysis.Iwae iwae) {
		// bce 10, SSE 2 (MSE 0.5), Gaussian NLL at the request's σ 7, Σ log C = −1, the
		// Bernoulli model's own NLL 10; KL 3
		LossAnalysis.Terms t = new LossAnalysis.Terms(10, 2, 0.5, 7, -1, 10);
		return new LossAnalysis.InputLoss(new double[2], new double[2], new double[] { 1, 2 }, 3, t, mc, iwae);
	}

	@Test
	void atTheMeanEachElboIsMinusNllPlusBetaKl() {
		ElboReport.Decoder bernoulli = new ElboReport.Decoder(Likelihood.BERNOULLI, 1, 2, D);
		ElboReport.Input r = ElboReport.classic(analysed(null, null), bernoulli, 0.8, true, "bernoulli");
		ElboReport.Elbos e = r.atMean().elbo();
		assertThat(e.bernoulli()).isEqualTo(-(10 + 2 * 3.0));
		assertThat(e.continuousBernoulli()).isEqualTo(-(11 + 2 * 3.0));
		assertThat(e.gaussian()).isEqualTo(-(7 + 2 * 3.0));
		assertThat(e.model()).isEqualTo(e.bernoulli());
		assertThat(r.atMean().modelNll()).isEqualTo(10.0);
		assertThat(r.atMean().gaussian().sseOverTwoSigmaSquared()).isCloseTo(2 / (2 * 0.64), within(1e-15));
		assertThat(r.atMean().gaussian().constant()).isCloseTo(D * (Math.log(0.8) + 0.5 * Math.log(2 * Math.PI)),
				within(1e-14));
		// bits per dimension: (NLL at μ + KL) / (D ln 2), β = 1 whatever the model's β
		assertThat(r.bitsPerDim().basis()).isEqualTo("mean");
		assertThat(r.bitsPerDim().value()).isCloseTo((10 + 3) / (D * LN2), within(1e-15));
	}

	@Test
	void withOnlyGaussianTermsTheBernoulliModelHasNoOwnNll() {
		ElboReport.Decoder bernoulli = new ElboReport.Decoder(Likelihood.BERNOULLI, 1, 1, D);
		ElboReport.Input r = ElboReport.classic(analysed(null, null), bernoulli, 1, false, "gaussian");
		assertThat(r.atMean().bce()).isNull();
		assertThat(r.atMean().elbo().model()).isNull();
		assertThat(r.bitsPerDim().value()).isCloseTo((7 + 3) / (D * LN2), within(1e-15));
	}

	@Test
	void theGaussianModelsMonteCarloNllScalesTheSseEstimate() {
		double s = 0.5;
		LossAnalysis.MonteCarlo mc = new LossAnalysis.MonteCarlo(16, new LossAnalysis.Estimate(11, 0.3),
				new LossAnalysis.Estimate(2, 0.4), new LossAnalysis.Estimate(0.5, 0.1),
				new LossAnalysis.Estimate(8, 0.2), new LossAnalysis.Estimate(12, 0.3), null,
				new LossAnalysis.Estimate(3.1, 0.2));
		ElboReport.Decoder gaussian = new ElboReport.Decoder(Likelihood.GAUSSIAN, s, 2, D);
		ElboReport.Input r = ElboReport.classic(analysed(mc, null), gaussian, 1, true, "gaussian");
		double nll = 2 / (2 * s * s) + D * (Math.log(s) + 0.5 * Math.log(2 * Math.PI));
		LossAnalysis.Estimate model = r.monteCarlo().elbo().model();
		assertThat(model.mean()).isCloseTo(-(nll + 2 * 3), within(1e-13));
		assertThat(model.standardError()).isCloseTo(0.4 / (2 * s * s), within(1e-15));
		assertThat(r.monteCarlo().elbo().bernoulli().mean()).isEqualTo(-(11 + 2 * 3.0));
		assertThat(r.bitsPerDim().basis()).isEqualTo("monte-carlo");
		assertThat(r.bitsPerDim().value()).isCloseTo((nll + 3) / (D * LN2), within(1e-13));
	}

	@Test
	void theImportanceWeightedBoundIsTheBestEstimate() {
		ElboReport.Decoder bernoulli = new ElboReport.Decoder(Likelihood.BERNOULLI, 1, 1, D);
		ElboReport.Input r = ElboReport.classic(analysed(null, new LossAnalysis.Iwae(50, -12.5, -13)), bernoulli, 1,
				true, "bernoulli");
		assertThat(r.iwae().likelihood()).isEqualTo("bernoulli");
		assertThat(r.bitsPerDim().basis()).isEqualTo("iwae");
		assertThat(r.bitsPerDim().value()).isCloseTo(12.5 / (D * LN2), within(1e-15));
	}

	@Test
	void aHeadWithoutClassicTermsReportsItsOwnNllAndDraws() {
		// at the mean: NLL 4, SSE 2, Gaussian NLL 5; two draws with NLL 5 and 7, SSE 1
		// and
		// 3, Gaussian NLL 6 and 8, sampled KL 1.5 and 2.5
		LossAnalysis.Terms atMean = new LossAnalysis.Terms(Double.NaN, 2, 2.0 / D, 5, Double.NaN, 4);
		LossAnalysis.MonteCarlo draws = new LossAnalysis.MonteCarlo(2, null,
				LossAnalysis.Estimate.of(new double[] { 1, 3 }),
				LossAnalysis.Estimate.of(new double[] { 1.0 / D, 3.0 / D }),
				LossAnalysis.Estimate.of(new double[] { 6, 8 }), null, LossAnalysis.Estimate.of(new double[] { 5, 7 }),
				LossAnalysis.Estimate.of(new double[] { 1.5, 2.5 }));
		LossAnalysis.InputLoss in = new LossAnalysis.InputLoss(new double[1], new double[1], new double[] { 2 }, 2,
				atMean, draws, null);
		ElboReport.Input r = ElboReport.head(in, "gaussian-learned-variance", 0.5, D, 1);
		assertThat(r.atMean().elbo().model()).isEqualTo(-(4 + 0.5 * 2));
		assertThat(r.atMean().bce()).isNull();
		assertThat(r.atMean().mse()).isEqualTo(2.0 / D);
		LossAnalysis.Estimate model = r.monteCarlo().elbo().model();
		assertThat(model.mean()).isEqualTo(-(6 + 0.5 * 2));
		// s/√L with s² = ((5 − 6)² + (7 − 6)²)/1 = 2, L = 2
		assertThat(model.standardError()).isCloseTo(1.0, within(1e-15));
		assertThat(r.monteCarlo().kl().mean()).isEqualTo(2.0);
		assertThat(r.bitsPerDim().value()).isCloseTo((6 + 2) / (D * LN2), within(1e-15));
		ElboReport.Summary summary = ElboReport.summary(List.of(r, r));
		assertThat(summary.elbo()).isEqualTo(-5.0);
		assertThat(summary.bce()).isNull();
	}

}

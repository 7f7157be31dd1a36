package dev.vae.inference;

import dev.vae.model.HeadLossAnalysis;
import dev.vae.model.Reconstruction;

import java.util.List;

/**
 * Lays one analysed input of a decoder head without classic terms out as the /loss
 * response: the Bernoulli and continuous-Bernoulli fields stay empty, the model's own NLL
 * and ELBO fill the 'model' fields, and the Gaussian terms use the request's σ.
 *
 * @param likelihood the head's name
 * @param beta the weight of KL
 * @param inputLength D
 * @param sigma σ of the side-by-side Gaussian terms
 */
record HeadLossLayout(String likelihood, double beta, int inputLength, double sigma) {

	private static final double LN2 = Math.log(2);

	LossApi.InputLoss input(HeadLossAnalysis.InputLoss in) {
		HeadLossAnalysis.Terms t = in.atMean();
		double kl = in.kl();
		// D·log σ + (D/2)·log 2π
		double constant = this.inputLength * (Math.log(this.sigma) + Reconstruction.HALF_LOG_TWO_PI);
		LossApi.GaussianNll gaussian = new LossApi.GaussianNll(t.gaussianNll(), this.sigma,
				t.sse() / (2 * this.sigma * this.sigma), constant);
		LossApi.Elbo elbo = new LossApi.Elbo(null, -(t.gaussianNll() + this.beta * kl), null,
				-(t.nll() + this.beta * kl));
		LossApi.AtMean atMean = new LossApi.AtMean(null, t.sse(), t.sse() / this.inputLength, gaussian, null, elbo,
				t.nll());
		LossApi.MonteCarlo mc = in.draws().isEmpty() ? null : monteCarlo(in, kl);
		LossApi.Iwae iwae = Double.isNaN(in.iwaeLogLikelihood()) ? null
				: new LossApi.Iwae(in.iwaeK(), this.likelihood, in.iwaeLogLikelihood(), in.iwaeElbo());
		return new LossApi.InputLoss(new LossApi.Kl(kl, in.klPerDimension()), atMean, mc, iwae, bitsPerDim(in, mc));
	}

	private LossApi.MonteCarlo monteCarlo(HeadLossAnalysis.InputLoss in, double kl) {
		List<HeadLossAnalysis.Terms> draws = in.draws();
		LossApi.Estimate nll = estimate(draws.stream().mapToDouble(HeadLossAnalysis.Terms::nll).toArray());
		LossApi.Estimate sse = estimate(draws.stream().mapToDouble(HeadLossAnalysis.Terms::sse).toArray());
		LossApi.Estimate mse = estimate(draws.stream().mapToDouble((d) -> d.sse() / this.inputLength).toArray());
		LossApi.Estimate gaussian = estimate(draws.stream().mapToDouble(HeadLossAnalysis.Terms::gaussianNll).toArray());
		double betaKl = this.beta * kl;
		LossApi.ElboEstimates elbo = new LossApi.ElboEstimates(null,
				new LossApi.Estimate(-(gaussian.mean() + betaKl), gaussian.standardError()), null,
				new LossApi.Estimate(-(nll.mean() + betaKl), nll.standardError()));
		return new LossApi.MonteCarlo(draws.size(), null, sse, mse, gaussian, null, estimate(in.sampledKl()), elbo);
	}

	private LossApi.BitsPerDim bitsPerDim(HeadLossAnalysis.InputLoss in, LossApi.MonteCarlo mc) {
		double dLn2 = this.inputLength * LN2;
		if (!Double.isNaN(in.iwaeLogLikelihood())) {
			return new LossApi.BitsPerDim(-in.iwaeLogLikelihood() / dLn2, "iwae");
		}
		if (mc != null) {
			// −ELBO with β = 1: E_q[NLL] + KL
			double nll = -mc.elbo().model().mean() - this.beta * in.kl();
			return new LossApi.BitsPerDim((nll + in.kl()) / dLn2, "monte-carlo");
		}
		return new LossApi.BitsPerDim((in.atMean().nll() + in.kl()) / dLn2, "mean");
	}

	/** The mean and s/√L (none for L = 1). */
	private static LossApi.Estimate estimate(double[] values) {
		double mean = 0;
		for (double v : values) {
			mean += v;
		}
		mean /= values.length;
		if (values.length < 2) {
			return new LossApi.Estimate(mean, null);
		}
		double squares = 0;
		for (double v : values) {
			squares += (v - mean) * (v - mean);
		}
		return new LossApi.Estimate(mean, Math.sqrt(squares / (values.length - 1) / values.length));
	}

}

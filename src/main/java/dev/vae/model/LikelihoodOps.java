package dev.vae.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The likelihoods' batch forms in ND4J, for training: summed NLL and its gradient with
 * respect to the logits. The per-value double-precision forms in {@link Likelihood} are
 * the reference these are tested against.
 */
final class LikelihoodOps {

	/**
	 * Below this |η| the continuous-Bernoulli terms use their series, whose first omitted
	 * term is O(η⁷); above it the closed forms, whose cancellation error grows like ε/η².
	 * 0.3 balances the two in float32, 0.05 in float64.
	 */
	private static double seriesBelow(INDArray eta) {
		return (eta.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE) ? 0.05 : 0.3;
	}

	private LikelihoodOps() {
	}

	/**
	 * Σ over the batch of NLL(x | η), returned, and {@code scale} · d NLL / d η, written
	 * into {@code buffers.dEta}.
	 */
	static double nllAndGradient(Architecture architecture, INDArray x, INDArray eta, double scale, StepBuffers buffers,
			Scope scope) {
		return switch (architecture.likelihood()) {
			case BERNOULLI -> bernoulli(x, eta, scale, buffers);
			case GAUSSIAN, CONTINUOUS_BERNOULLI -> {
				double nll = nllSum(architecture, x, eta, scope);
				buffers.dEta.assign(gradient(architecture, x, eta, scope)).muli(scale);
				yield nll;
			}
		};
	}

	/**
	 * The Bernoulli NLL and gradient from one native sigmoid and one pass in Java: with s
	 * = σ(η), softplus(η) = max(η, 0) − log max(s, 1 − s) (the larger of s and 1 − s is
	 * σ(|η|) ≥ ½, so its log never cancels), and d/dη = s − x. The logs are taken of
	 * products of 64 factors in [½, 1], which neither underflow nor lose precision.
	 */
	private static double bernoulli(INDArray x, INDArray eta, double scale, StepBuffers buffers) {
		Nd4j.exec(new Sigmoid(eta, buffers.dEta));
		double[] s = buffers.meanHost;
		double[] h = buffers.etaHost;
		double[] xs = buffers.xHost;
		buffers.read(buffers.dEta, s);
		buffers.read(eta, h);
		buffers.read(x, xs);
		double linear = 0;
		double logs = 0;
		double product = 1;
		for (int i = 0; i < s.length; i++) {
			// Σ max(η, 0) − x η
			linear += Math.max(h[i], 0) - xs[i] * h[i];
			// Π σ(|η|) = Π max(s, 1 − s), its log every 64 factors
			product *= Math.max(s[i], 1 - s[i]);
			if ((i & 63) == 63) {
				logs += Math.log(product);
				product = 1;
			}
			// scale · (s − x)
			s[i] = scale * (s[i] - xs[i]);
		}
		logs += Math.log(product);
		buffers.write(s, buffers.dEta);
		// Σ softplus(η) − x η
		return linear - logs;
	}

	/** Σ over the batch of NLL(x | η). */
	static double nllSum(Architecture architecture, INDArray x, INDArray eta, Scope scope) {
		double sigma = architecture.gaussianSigma();
		return switch (architecture.likelihood()) {
			case GAUSSIAN -> {
				// Σ (x − σ(η))²/(2s²) + D (log s + ½ log 2π)
				INDArray r = scope.add(Transforms.sigmoid(eta, true)).subi(x);
				double sse = scope.add(r.mul(r)).sumNumber().doubleValue();
				yield sse / (2 * sigma * sigma) + x.length() * (Math.log(sigma) + Reconstruction.HALF_LOG_TWO_PI);
			}
			case CONTINUOUS_BERNOULLI ->
				bceSum(x, eta, scope) - scope.add(logNormaliser(eta, scope)).sumNumber().doubleValue();
			case BERNOULLI -> bceSum(x, eta, scope);
		};
	}

	/**
	 * d NLL / d η per value: σ(η) − x for Bernoulli, minus d log C / dη for the
	 * continuous Bernoulli.
	 */
	static INDArray gradient(Architecture architecture, INDArray x, INDArray eta, Scope scope) {
		INDArray mean = scope.add(Transforms.sigmoid(eta, true));
		return switch (architecture.likelihood()) {
			case GAUSSIAN -> {
				// d/dη (x − x̂)²/(2s²) = (x̂ − x) x̂ (1 − x̂) / s²
				double s2 = architecture.gaussianSigma() * architecture.gaussianSigma();
				INDArray oneMinus = scope.add(mean.rsub(1.0));
				yield scope.add(mean.sub(x)).muli(mean).muli(oneMinus).divi(s2);
			}
			case CONTINUOUS_BERNOULLI -> scope.add(mean.sub(x)).subi(logNormaliserDerivative(eta, scope));
			case BERNOULLI -> scope.add(mean.sub(x));
		};
	}

	/** softplus(η) − xη summed, with softplus(η) = max(η, 0) + log1p(e^−|η|). */
	private static double bceSum(INDArray x, INDArray eta, Scope scope) {
		INDArray abs = scope.add(Transforms.abs(eta, true));
		INDArray softplus = scope.add(Transforms.log1p(Transforms.exp(abs.negi(), false), false))
			.addi(scope.add(Transforms.relu(eta, true)));
		return softplus.subi(scope.add(x.mul(eta))).sumNumber().doubleValue();
	}

	/**
	 * log C(η) = log|η| − log tanh(|η|/2), series log 2 + η²/12 − 7η⁴/1440 + 31η⁶/90720
	 * near 0.
	 */
	private static INDArray logNormaliser(INDArray eta, Scope scope) {
		INDArray abs = scope.add(Transforms.abs(eta, true));
		INDArray near = scope.add(abs.lt(seriesBelow(eta)).castTo(eta.dataType()));
		INDArray safe = scope.add(abs.add(near));
		INDArray exact = scope.add(Transforms.log(safe, true))
			.subi(scope.add(Transforms.log(scope.add(Transforms.tanh(safe.mul(0.5), false)), false)));
		INDArray e2 = scope.add(eta.mul(eta));
		INDArray series = scope.add(e2.mul(31.0 / 90720))
			.subi(7.0 / 1440)
			.muli(e2)
			.addi(1.0 / 12)
			.muli(e2)
			.addi(Math.log(2));
		return blend(near, series, exact, scope);
	}

	/** d log C / dη = 1/η − 1/sinh η, series η/6 − 7η³/360 + 31η⁵/15120 near 0. */
	private static INDArray logNormaliserDerivative(INDArray eta, Scope scope) {
		INDArray abs = scope.add(Transforms.abs(eta, true));
		INDArray near = scope.add(abs.lt(seriesBelow(eta)).castTo(eta.dataType()));
		// away from 0, so that the exact branch never divides by zero where the series is
		// used
		INDArray safe = scope.add(eta.add(near));
		INDArray exact = scope.add(Transforms.pow(safe, -1, true))
			.subi(scope.add(Transforms.pow(scope.add(Transforms.sinh(safe, true)), -1, false)));
		INDArray e2 = scope.add(eta.mul(eta));
		INDArray series = scope.add(e2.mul(31.0 / 15120)).subi(7.0 / 360).muli(e2).addi(1.0 / 6).muli(eta);
		return blend(near, series, exact, scope);
	}

	/** near ⊙ series + (1 − near) ⊙ exact. */
	private static INDArray blend(INDArray near, INDArray series, INDArray exact, Scope scope) {
		return scope.add(series.mul(near)).addi(exact.muli(scope.add(near.rsub(1.0))));
	}

}

package dev.vae.model.head;

import dev.vae.model.Batches;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.util.random.RandomGenerator;

/**
 * The decoder's output head: how its pre-activation output η becomes a distribution
 * p(x|z). A closed set; each computes, for one input of D values, the NLL in nats and its
 * gradient with respect to η, in double precision.
 * <p>
 * η holds D values, or 2D for {@link LearnedGaussian} (mean channels, then log-variance
 * channels). All methods read one input at {@code xAt} in {@code x} and its η at
 * {@code etaAt} in {@code eta}, so a batch is processed in place.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "likelihood")
@JsonSubTypes({ @JsonSubTypes.Type(value = DecoderHead.Bernoulli.class, name = "bernoulli"),
		@JsonSubTypes.Type(value = DecoderHead.ContinuousBernoulli.class, name = "continuous-bernoulli"),
		@JsonSubTypes.Type(value = DecoderHead.FixedGaussian.class, name = "gaussian"),
		@JsonSubTypes.Type(value = DecoderHead.LearnedGaussian.class, name = "gaussian-learned-variance"),
		@JsonSubTypes.Type(value = DecoderHead.CalibratedGaussian.class, name = "gaussian-calibrated") })
public sealed interface DecoderHead {

	/** log of the smallest variance the calibrated Gaussian uses: σ-VAE's log σ ≥ −6. */
	double MIN_LOG_VARIANCE = -12;

	/** The activation giving the decoder mean x̂ = f(η). */
	OutputActivation activation();

	/** The likelihood's name, as checkpoints and responses spell it. */
	String wireName();

	/** How many output channels the decoder needs for inputs of {@code channels}. */
	default int outputChannels(int channels) {
		return channels;
	}

	/**
	 * Σ over the input's D values of NLL(x | η); when {@code gradient} is not null, also
	 * writes d NLL / dη at {@code etaAt} in it (as many values as η has).
	 */
	double nll(double[] x, int xAt, double[] eta, int etaAt, int d, double[] gradient);

	/**
	 * Σ over a minibatch [n, D] of NLL(x | η), and {@code scale} · d NLL / dη written
	 * into {@code dEta} (shaped like η), for training: to within float32 rounding of the
	 * exact {@link #nll} sum (the network itself computes in float32), which lets a head
	 * spend fewer transcendental functions per value. By default the exact sum.
	 */
	default double trainingNll(INDArray x, INDArray eta, double scale, INDArray dEta) {
		int n = (int) x.size(0);
		double[] xs = Batches.values(x);
		double[] etas = Batches.values(eta);
		double[] gradient = new double[etas.length];
		int d = xs.length / n;
		int o = etas.length / n;
		double sum = 0;
		for (int i = 0; i < n; i++) {
			sum += nll(xs, i * d, etas, i * o, d, gradient);
		}
		for (int i = 0; i < gradient.length; i++) {
			gradient[i] *= scale;
		}
		Batches.write(gradient, dEta);
		return sum;
	}

	/** Whether x must lie in [0, 1] for this likelihood to be defined. */
	default boolean requiresUnitInterval() {
		return false;
	}

	/** The decoder mean x̂ of one input from its η. */
	default double[] mean(double[] eta, int d) {
		double[] mean = new double[d];
		for (int j = 0; j < d; j++) {
			mean[j] = activation().apply(eta[j]);
		}
		return mean;
	}

	/**
	 * One draw x ~ p(x | η) for one input: Bernoulli 0/1, continuous Bernoulli by its
	 * inverse CDF, Gaussians x̂ + σ·N(0, 1). The calibrated Gaussian's σ is a property of
	 * an input and its reconstruction, so without an input it returns the mean.
	 */
	default double[] sample(double[] eta, int d, RandomGenerator random) {
		double[] x = mean(eta, d);
		for (int j = 0; j < d; j++) {
			x[j] = draw(x[j], eta, j, d, random);
		}
		return x;
	}

	/** One value's draw given its mean x̂ and the input's η. */
	double draw(double mean, double[] eta, int j, int d, RandomGenerator random);

	/**
	 * The η of the model that ignores z: every pixel at its training mean (and, for a
	 * learned variance, its training variance floored at e^−12).
	 */
	default double[] pixelMeanEta(double[] mean, double[] variance) {
		double[] eta = new double[mean.length];
		for (int j = 0; j < mean.length; j++) {
			eta[j] = activation().inverse(mean[j]);
		}
		return eta;
	}

	/** The head of a format-1 architecture's likelihood. */
	static DecoderHead of(Likelihood likelihood, double gaussianSigma) {
		return switch (likelihood) {
			case BERNOULLI -> new Bernoulli();
			case CONTINUOUS_BERNOULLI -> new ContinuousBernoulli();
			case GAUSSIAN -> new FixedGaussian(OutputActivation.SIGMOID, gaussianSigma);
		};
	}

	/** Bernoulli with p = σ(η): NLL = BCE, written in η (see {@link Reconstruction}). */
	record Bernoulli() implements DecoderHead {

		@Override
		public String wireName() {
			return "bernoulli";
		}

		@Override
		public double draw(double mean, double[] eta, int j, int d, RandomGenerator random) {
			return (random.nextDouble() < mean) ? 1 : 0;
		}

		@Override
		public OutputActivation activation() {
			return OutputActivation.SIGMOID;
		}

		@Override
		public boolean requiresUnitInterval() {
			return true;
		}

		@Override
		public double nll(double[] x, int xAt, double[] eta, int etaAt, int d, double[] gradient) {
			double sum = 0;
			for (int j = 0; j < d; j++) {
				double e = eta[etaAt + j];
				double v = x[xAt + j];
				// t = e^−|η| serves both: BCE = x·softplus(−η) + (1 − x)·softplus(η),
				// with
				// softplus(±η) = max(±η, 0) + log1p(t), and σ(η) = 1/(1 + t) or t/(1 + t)
				double t = Math.exp(-Math.abs(e));
				double shared = Reconstruction.log1p(t);
				sum += v * (Math.max(-e, 0) + shared) + (1 - v) * (Math.max(e, 0) + shared);
				if (gradient != null) {
					// d BCE / dη = σ(η) − x
					gradient[etaAt + j] = ((e >= 0) ? 1 / (1 + t) : t / (1 + t)) - v;
				}
			}
			return sum;
		}

		/**
		 * One native sigmoid s = σ(η) and one pass in float32 rows: softplus(η) = max(η,
		 * 0) − log max(s, 1 − s) (the larger of s and 1 − s is σ(|η|) ≥ ½, so its log
		 * never cancels), its logs taken of products of 64 factors in [½, 1] (neither
		 * underflow nor lose precision); d/dη = s − x.
		 */
		@Override
		public double trainingNll(INDArray x, INDArray eta, double scale, INDArray dEta) {
			if (eta.dataType() != DataType.FLOAT) {
				return DecoderHead.super.trainingNll(x, eta, scale, dEta);
			}
			Nd4j.exec(new Sigmoid(eta, dEta));
			float[] s = Batches.floats(dEta);
			float[] h = Batches.floats(eta);
			float[] xs = Batches.floats(x);
			double linear = 0;
			double logs = 0;
			double product = 1;
			for (int j = 0; j < s.length; j++) {
				// Σ max(η, 0) − x η
				linear += Math.max(h[j], 0) - (double) xs[j] * h[j];
				// Π σ(|η|) = Π max(s, 1 − s), its log every 64 factors
				product *= Math.max(s[j], 1 - (double) s[j]);
				if ((j & 63) == 63) {
					logs += Math.log(product);
					product = 1;
				}
				s[j] = (float) (scale * (s[j] - xs[j]));
			}
			Batches.write(s, dEta);
			return linear - (logs + Math.log(product));
		}

	}

	/** Continuous Bernoulli with λ = σ(η): NLL = BCE − log C(η). */
	record ContinuousBernoulli() implements DecoderHead {

		@Override
		public String wireName() {
			return "continuous-bernoulli";
		}

		@Override
		public double draw(double mean, double[] eta, int j, int d, RandomGenerator random) {
			return dev.vae.model.head.ContinuousBernoulli.sample(eta[j], random.nextDouble());
		}

		@Override
		public OutputActivation activation() {
			return OutputActivation.SIGMOID;
		}

		@Override
		public boolean requiresUnitInterval() {
			return true;
		}

		@Override
		public double nll(double[] x, int xAt, double[] eta, int etaAt, int d, double[] gradient) {
			double sum = 0;
			for (int j = 0; j < d; j++) {
				double e = eta[etaAt + j];
				sum += Reconstruction.bce(x[xAt + j], e)
						- dev.vae.model.head.ContinuousBernoulli.logNormaliserOfLogit(e);
				if (gradient != null) {
					// σ(η) − x − d log C / dη
					gradient[etaAt + j] = Reconstruction.mean(e) - x[xAt + j]
							- dev.vae.model.head.ContinuousBernoulli.logNormaliserDerivative(e);
				}
			}
			return sum;
		}

	}

	/**
	 * Gaussian with mean x̂ = f(η) and a fixed standard deviation σ.
	 *
	 * @param activation f
	 * @param sigma σ
	 */
	record FixedGaussian(OutputActivation activation, double sigma) implements DecoderHead {

		@Override
		public String wireName() {
			return "gaussian";
		}

		@Override
		public double draw(double mean, double[] eta, int j, int d, RandomGenerator random) {
			return mean + this.sigma * random.nextGaussian();
		}

		public FixedGaussian {
			if (activation == null || !(sigma > 0) || Double.isInfinite(sigma)) {
				throw new IllegalArgumentException("gaussian: an activation and a positive sigma are required");
			}
		}

		@Override
		public double nll(double[] x, int xAt, double[] eta, int etaAt, int d, double[] gradient) {
			double s2 = this.sigma * this.sigma;
			double sse = 0;
			for (int j = 0; j < d; j++) {
				double mean = this.activation.apply(eta[etaAt + j]);
				double r = mean - x[xAt + j];
				sse += r * r;
				if (gradient != null) {
					// d/dη (x − x̂)²/(2σ²) = (x̂ − x) f'(η) / σ²
					gradient[etaAt + j] = r * this.activation.derivative(mean) / s2;
				}
			}
			// Σ (x − x̂)²/(2σ²) + D (log σ + ½ log 2π)
			return sse / (2 * s2) + d * (Math.log(this.sigma) + Reconstruction.HALF_LOG_TWO_PI);
		}

	}

	/**
	 * Gaussian with mean f(η₁) and a learned per-pixel log-variance η₂: the decoder emits
	 * twice the input's channels, means first.
	 *
	 * @param activation f, for the mean channels only
	 */
	record LearnedGaussian(OutputActivation activation) implements DecoderHead {

		@Override
		public String wireName() {
			return "gaussian-learned-variance";
		}

		@Override
		public double draw(double mean, double[] eta, int j, int d, RandomGenerator random) {
			// x̂ + e^(v/2) N(0, 1)
			return mean + Math.exp(0.5 * eta[d + j]) * random.nextGaussian();
		}

		public LearnedGaussian {
			if (activation == null) {
				throw new IllegalArgumentException("gaussian-learned-variance: an activation is required");
			}
		}

		@Override
		public int outputChannels(int channels) {
			return 2 * channels;
		}

		@Override
		public double[] pixelMeanEta(double[] mean, double[] variance) {
			double[] eta = java.util.Arrays.copyOf(mean, 2 * mean.length);
			for (int j = 0; j < mean.length; j++) {
				eta[j] = this.activation.inverse(mean[j]);
				eta[mean.length + j] = Math.max(Math.log(variance[j]), MIN_LOG_VARIANCE);
			}
			return eta;
		}

		@Override
		public double nll(double[] x, int xAt, double[] eta, int etaAt, int d, double[] gradient) {
			double sum = 0;
			for (int j = 0; j < d; j++) {
				double mean = this.activation.apply(eta[etaAt + j]);
				double logVariance = eta[etaAt + d + j];
				double r = mean - x[xAt + j];
				double precision = Math.exp(-logVariance);
				// ½ (x − x̂)² e^−v + ½ v + ½ log 2π
				sum += 0.5 * r * r * precision + 0.5 * logVariance + Reconstruction.HALF_LOG_TWO_PI;
				if (gradient != null) {
					// d/dη₁ = (x̂ − x) e^−v f'(η₁); d/dv = ½ − ½ (x − x̂)² e^−v
					gradient[etaAt + j] = r * precision * this.activation.derivative(mean);
					gradient[etaAt + d + j] = 0.5 - 0.5 * r * r * precision;
				}
			}
			return sum;
		}

	}

	/**
	 * σ-VAE's calibrated decoder (Rybkin et al., 2021): a Gaussian with one σ per input
	 * set to its maximum-likelihood value σ*² = MSE(x, x̂), floored at e^−12. As σ* is
	 * optimal, the gradient is that of a fixed σ = σ* (envelope theorem).
	 *
	 * @param activation f
	 */
	record CalibratedGaussian(OutputActivation activation) implements DecoderHead {

		@Override
		public String wireName() {
			return "gaussian-calibrated";
		}

		@Override
		public double draw(double mean, double[] eta, int j, int d, RandomGenerator random) {
			return mean;
		}

		public CalibratedGaussian {
			if (activation == null) {
				throw new IllegalArgumentException("gaussian-calibrated: an activation is required");
			}
		}

		@Override
		public double nll(double[] x, int xAt, double[] eta, int etaAt, int d, double[] gradient) {
			double sse = 0;
			for (int j = 0; j < d; j++) {
				double r = this.activation.apply(eta[etaAt + j]) - x[xAt + j];
				sse += r * r;
			}
			// σ*² = max(SSE / D, e^−12)
			double s2 = Math.max(sse / d, Math.exp(MIN_LOG_VARIANCE));
			if (gradient != null) {
				for (int j = 0; j < d; j++) {
					double mean = this.activation.apply(eta[etaAt + j]);
					// (x̂ − x) f'(η) / σ*²
					gradient[etaAt + j] = (mean - x[xAt + j]) * this.activation.derivative(mean) / s2;
				}
			}
			// SSE/(2σ*²) + D/2 log σ*² + D/2 log 2π
			return sse / (2 * s2) + 0.5 * d * Math.log(s2) + d * Reconstruction.HALF_LOG_TWO_PI;
		}

	}

}

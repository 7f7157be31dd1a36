package dev.vae.model.train;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The options VAE practitioners reach for beyond a fixed β and learning rate, as the
 * trainer (and the data-parallel driver) applies them step by step. Every option is off
 * in {@link #NONE}, and a run without options is the run there was before they existed.
 * Steps are counted from 0 over the whole run; an epoch has {@code stepsPerEpoch}.
 *
 * @param klWarmup β rises linearly from 0 at step 0 to the architecture's β over this
 * many epochs or steps; null for none
 * @param freeBits λ in nats: the objective counts max(λ, KL_j) for each latent dimension
 * j, KL_j its minibatch mean (Kingma et al. 2016), so a dimension below the floor gets no
 * KL gradient; 0 for none
 * @param patience early stopping: training ends after this many epochs without a lower
 * validation −ELBO and the network keeps the best epoch's parameters; 0 for none
 * @param schedule the learning rate of each step
 * @param clipNorm the global L2 norm of the gradient is scaled down to at most this
 * before Adam; 0 for none
 */
public record TrainingOptions(Warmup klWarmup, double freeBits, int patience, LearningRateSchedule schedule,
		double clipNorm) {

	/** No option: constant β and learning rate, no floor, every epoch, no clipping. */
	public static final TrainingOptions NONE = new TrainingOptions(null, 0, 0, new LearningRateSchedule.Constant(), 0);

	public TrainingOptions {
		if (!(freeBits >= 0) || Double.isInfinite(freeBits)) {
			throw new IllegalArgumentException("freeBits must be a finite number of nats ≥ 0, was " + freeBits);
		}
		if (patience < 0) {
			throw new IllegalArgumentException("patience must be ≥ 0 epochs, was " + patience);
		}
		if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
			throw new IllegalArgumentException("clipNorm must be a finite norm ≥ 0, was " + clipNorm);
		}
		if (schedule == null) {
			schedule = new LearningRateSchedule.Constant();
		}
	}

	/**
	 * The factor of β at {@code step}: min(1, step / W) for a warm-up of W steps, else 1.
	 */
	public double betaFactor(long step, int stepsPerEpoch) {
		if (this.klWarmup == null) {
			return 1;
		}
		long w = this.klWarmup.steps(stepsPerEpoch);
		return (step >= w) ? 1 : (double) step / w;
	}

	/** The learning rate of {@code step} for a base rate (the job's). */
	public double learningRate(double base, long step, int stepsPerEpoch, long totalSteps) {
		return this.schedule.at(base, step, stepsPerEpoch, totalSteps);
	}

	/** Whether early stopping is on. */
	@JsonIgnore
	public boolean stopsEarly() {
		return this.patience > 0;
	}

	/**
	 * A linear KL warm-up over {@code epochs} epochs or {@code steps} steps (exactly one
	 * of the two positive).
	 */
	public record Warmup(int epochs, long steps) {

		public Warmup {
			if ((epochs > 0) == (steps > 0) || epochs < 0 || steps < 0) {
				throw new IllegalArgumentException(
						"klWarmup takes a positive number of epochs or of steps, not both; was epochs " + epochs
								+ ", steps " + steps);
			}
		}

		/** Its length in steps. */
		public long steps(int stepsPerEpoch) {
			return (this.epochs > 0) ? (long) this.epochs * stepsPerEpoch : this.steps;
		}

	}

	/** The learning rate as a function of the step. */
	@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
	@JsonSubTypes({ @JsonSubTypes.Type(value = LearningRateSchedule.Constant.class, name = "constant"),
			@JsonSubTypes.Type(value = LearningRateSchedule.StepDecay.class, name = "step"),
			@JsonSubTypes.Type(value = LearningRateSchedule.Cosine.class, name = "cosine") })
	public sealed interface LearningRateSchedule {

		double at(double base, long step, int stepsPerEpoch, long totalSteps);

		/** The base rate at every step. */
		record Constant() implements LearningRateSchedule {

			@Override
			public double at(double base, long step, int stepsPerEpoch, long totalSteps) {
				return base;
			}

		}

		/**
		 * base · γ^⌊e / every⌋ for the step's 0-based epoch e: multiplied by γ every
		 * {@code every} epochs.
		 */
		record StepDecay(int every, double gamma) implements LearningRateSchedule {

			public StepDecay {
				if (every < 1 || !(gamma > 0) || gamma > 1) {
					throw new IllegalArgumentException(
							"a step schedule needs every ≥ 1 epochs and 0 < gamma ≤ 1, was every " + every + ", gamma "
									+ gamma);
				}
			}

			@Override
			public double at(double base, long step, int stepsPerEpoch, long totalSteps) {
				return base * Math.pow(this.gamma, (step / stepsPerEpoch) / this.every);
			}

		}

		/**
		 * min + ½(base − min)(1 + cos(π t / T)), t the step and T all steps of the run:
		 * base at the first step, min after the last.
		 */
		record Cosine(double minLearningRate) implements LearningRateSchedule {

			public Cosine {
				if (!(minLearningRate >= 0) || Double.isInfinite(minLearningRate)) {
					throw new IllegalArgumentException(
							"a cosine schedule's minLearningRate must be ≥ 0, was " + minLearningRate);
				}
			}

			@Override
			public double at(double base, long step, int stepsPerEpoch, long totalSteps) {
				double progress = Math.min(1, (double) step / totalSteps);
				return this.minLearningRate + 0.5 * (base - this.minLearningRate) * (1 + Math.cos(Math.PI * progress));
			}

		}

	}

}

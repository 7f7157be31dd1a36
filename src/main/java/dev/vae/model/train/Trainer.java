package dev.vae.model.train;

import dev.vae.model.Batches;
import dev.vae.model.Examples;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Network;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Minibatch training with Adam. Each epoch's shuffle and each minibatch's ε come from
 * {@link TrainingSchedule}, seeded by {@link Settings#seed()}: a run is reproducible, and
 * one continued from a saved {@link State} makes the draws it would have made anyway. The
 * network passed in is updated in place: give it one that nothing else reads.
 */
public final class Trainer {

	private final Settings settings;

	private final Listener listener;

	public Trainer(Settings settings, Listener listener) {
		this.settings = settings;
		this.listener = listener;
	}

	/**
	 * Trains {@code network} on {@code train} from its first epoch, evaluating on
	 * {@code validation} after each epoch; its batch-norm running statistics move with
	 * every minibatch.
	 * @return the last epoch's metrics
	 * @throws CancelledException when the listener asked to stop (checked between
	 * minibatches)
	 */
	public EpochMetrics train(Network network, Examples train, Examples validation) {
		return train(network, train, validation, null);
	}

	/**
	 * Continues a run from {@code from} (null: from the start). {@code network} must hold
	 * the parameters and buffers saved with that state; the run then makes the same
	 * updates, in the same order and with the same draws, as one never interrupted. With
	 * early stopping ({@link TrainingOptions#patience()}), training ends after that many
	 * epochs without a lower validation −ELBO, or at its last epoch, and the network is
	 * left holding the best epoch's parameters and buffers either way.
	 * @return the metrics of the epoch whose parameters the network holds: the last
	 * epoch's, or with early stopping the best epoch's
	 * @throws CancelledException when the listener asked to stop (checked between
	 * minibatches)
	 */
	public EpochMetrics train(Network network, Examples train, Examples validation, State from) {
		int d = network.inputLength();
		int k = network.latentSize();
		if (train.length() != d || validation.length() != d) {
			throw new IllegalArgumentException("examples have length " + train.length() + ", the network expects " + d);
		}
		INDArray params = network.parameters();
		INDArray gradient = network.newGradient();
		TrainingOptions options = this.settings.options();
		AdamOptimizer adam = new AdamOptimizer(params, this.settings.learningRate(), options.clipNorm());
		double beta = network.architecture().beta();
		TrainingSchedule schedule = new TrainingSchedule(this.settings.seed(), train.count(),
				this.settings.batchSize());
		int stepsPerEpoch = schedule.stepsPerEpoch();
		long totalSteps = (long) stepsPerEpoch * this.settings.epochs();
		State start = (from != null) ? from : State.start();
		start.check(this.settings, train.count(), stepsPerEpoch);
		if (from != null) {
			adam.restore(params, from.adamM(), from.adamV(), from.adamSteps());
		}
		EpochMetrics last = start.last();
		EarlyStop stop = start.earlyStop();
		if (stop != null && stop.stopped()) {
			// a run that had stopped early: the network already holds its best epoch
			network.endTraining();
			return last;
		}
		long iteration = (long) (start.epoch() - 1) * stepsPerEpoch + start.step();
		// the minibatch and its noise, reused while the batch size stays
		INDArray x = null;
		INDArray eps = null;
		float[] xs = null;
		float[] es = null;
		try {
			for (int epoch = start.epoch(); epoch <= this.settings.epochs(); epoch++) {
				boolean resumed = epoch == start.epoch();
				long started = System.nanoTime() - (resumed ? (long) (start.seconds() * 1e9) : 0);
				int[] order = schedule.order(epoch);
				double reconstruction = resumed ? start.reconstruction() : 0;
				double kl = resumed ? start.kl() : 0;
				for (int step = resumed ? start.step() : 0; step < stepsPerEpoch; step++) {
					if (this.listener.cancelled()) {
						throw new CancelledException("training cancelled in epoch " + epoch);
					}
					int first = schedule.from(step);
					int b = schedule.size(step);
					if (x == null || x.size(0) != b) {
						close(x, eps);
						x = Nd4j.createUninitialized(params.dataType(), b, d);
						eps = Nd4j.createUninitialized(params.dataType(), b, k);
						xs = new float[b * d];
						es = new float[b * k];
					}
					for (int i = 0; i < b; i++) {
						System.arraycopy(train.values(), order[first + i] * d, xs, i * d, d);
					}
					schedule.noise(epoch, step, es);
					Batches.write(xs, x);
					Batches.write(es, eps);
					// the step's β (warm-up) and learning rate (schedule), by its global
					// index
					Network.BatchLoss loss = network.lossAndGradient(x, eps, gradient, new Network.KlTerm(
							beta * options.betaFactor(iteration, stepsPerEpoch), options.freeBits(), null));
					reconstruction += loss.reconstruction();
					kl += loss.kl();
					adam.step(params, gradient,
							options.learningRate(this.settings.learningRate(), iteration, stepsPerEpoch, totalSteps));
					this.listener.onBatch(epoch, (loss.reconstruction() + loss.kl()) / b);
					this.listener.onStep(epoch, ++iteration, totalSteps);
					if (step + 1 < stepsPerEpoch && this.listener.checkpointDue(epoch, iteration)) {
						this.listener.onCheckpoint(State.of(epoch, step + 1, adam, reconstruction, kl,
								(System.nanoTime() - started) / 1e9, last, stop));
					}
				}
				Evaluation.Summary held = network.negElbo(validation, this.settings.seed() + epoch);
				int n = train.count();
				// the β and learning rate of the epoch's last step
				long lastStep = iteration - 1;
				EpochMetrics metrics = new EpochMetrics(epoch, (reconstruction + kl) / n, reconstruction / n, kl / n,
						held.negElbo(), held.reconstruction(), held.kl(), (System.nanoTime() - started) / 1e9,
						held.klPerDimension(), held.activeUnits(), beta * options.betaFactor(lastStep, stepsPerEpoch),
						options.learningRate(this.settings.learningRate(), lastStep, stepsPerEpoch, totalSteps));
				last = metrics;
				if (options.stopsEarly()) {
					stop = EarlyStop.after(stop, metrics, network.parametersAsFloats(), network.buffersAsFloats(),
							options.patience(), epoch == this.settings.epochs());
					if (stop.stopped()) {
						stop.restore(network);
						last = stop.best();
					}
				}
				this.listener.onEpoch(metrics);
				this.listener.onCheckpoint(State.of(epoch + 1, 0, adam, 0, 0, 0, last, stop));
				if (stop != null && stop.stopped()) {
					break;
				}
			}
		}
		finally {
			network.endTraining();
			close(x, eps);
		}
		return last;
	}

	private static void close(INDArray x, INDArray eps) {
		if (x != null) {
			x.close();
			eps.close();
		}
	}

	/**
	 * How to train.
	 *
	 * @param epochs passes over the training set
	 * @param batchSize examples per minibatch
	 * @param learningRate Adam's step size
	 * @param seed drives shuffling and the reparameterisation noise
	 * @param options KL warm-up, free bits, early stopping, learning-rate schedule and
	 * clipping ({@link TrainingOptions#NONE}: none)
	 */
	public record Settings(int epochs, int batchSize, double learningRate, long seed, TrainingOptions options) {

		public Settings {
			if (epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
				throw new IllegalArgumentException("epochs and batchSize must be positive, learningRate above 0");
			}
			if (options == null) {
				options = TrainingOptions.NONE;
			}
		}

		/** Settings without training options. */
		public Settings(int epochs, int batchSize, double learningRate, long seed) {
			this(epochs, batchSize, learningRate, seed, TrainingOptions.NONE);
		}

	}

	/**
	 * One epoch's figures, all means per example in nats. The training figures average
	 * the minibatch objectives while the weights moved; the validation ones are
	 * {@link Evaluation#negElbo} at the epoch's end.
	 *
	 * @param epoch 1-based epoch number
	 * @param trainNegElbo training NLL + KL (β = 1)
	 * @param trainReconstruction training NLL(x | z)
	 * @param trainKl training KL
	 * @param validationNegElbo held-out −ELBO (β = 1)
	 * @param validationReconstruction held-out NLL(x | z)
	 * @param validationKl held-out KL
	 * @param seconds wall time of the epoch
	 * @param validationKlPerDimension held-out KL of each latent dimension (they add up
	 * to {@code validationKl}); this and the next three are null for epochs recorded
	 * before they were measured
	 * @param activeUnits latent dimensions whose Cov_x(E_q[z_j|x]) over the held-out set
	 * exceeds 0.01 (Burda et al. 2015)
	 * @param beta the β of the epoch's last step (below the architecture's during a KL
	 * warm-up)
	 * @param learningRate the learning rate of the epoch's last step
	 */
	public record EpochMetrics(int epoch, double trainNegElbo, double trainReconstruction, double trainKl,
			double validationNegElbo, double validationReconstruction, double validationKl, double seconds,
			double[] validationKlPerDimension, Integer activeUnits, Double beta, Double learningRate) {
	}

	/**
	 * Early stopping's memory: the lowest validation −ELBO so far, its epoch's metrics,
	 * parameters and buffers, and the epochs since. Part of {@link State}, so a resumed
	 * run stops where an uninterrupted one would.
	 *
	 * @param best the metrics of the best epoch
	 * @param sinceBest epochs since the best one
	 * @param stopped whether training has stopped (the network then holds the best
	 * epoch's parameters)
	 * @param parameters the best epoch's parameters (float32)
	 * @param buffers the best epoch's buffers (float32)
	 */
	public record EarlyStop(EpochMetrics best, int sinceBest, boolean stopped, float[] parameters, float[] buffers) {

		public EarlyStop {
			if (best == null || sinceBest < 0 || parameters == null || buffers == null) {
				throw new IllegalArgumentException(
						"early stopping's state needs the best epoch's metrics, parameters and buffers");
			}
		}

		/**
		 * The state after an epoch with {@code metrics}: a strictly lower validation
		 * −ELBO becomes the best (with the network's {@code parameters} and
		 * {@code buffers} as they are after it: copies, kept), else one more epoch since;
		 * the run stops when that reaches {@code patience}, or after the run's
		 * {@code last} epoch (so that it ends on the best epoch too).
		 */
		public static EarlyStop after(EarlyStop previous, EpochMetrics metrics, float[] parameters, float[] buffers,
				int patience, boolean last) {
			if (previous == null || metrics.validationNegElbo() < previous.best().validationNegElbo()) {
				return new EarlyStop(metrics, 0, last, parameters, buffers);
			}
			int since = previous.sinceBest() + 1;
			return new EarlyStop(previous.best(), since, since >= patience || last, previous.parameters(),
					previous.buffers());
		}

		/** Puts the best epoch's parameters and buffers back into {@code network}. */
		void restore(Network network) {
			network.load(this.parameters, this.buffers);
		}

	}

	/**
	 * A run's position between two minibatches, apart from the network itself: the next
	 * minibatch is {@code step} (0-based) of {@code epoch} (1-based; past the last epoch
	 * when the run is complete). The draws of the rest of the run follow from the
	 * position ({@link TrainingSchedule}).
	 *
	 * @param epoch the epoch to continue
	 * @param step minibatches of that epoch already done
	 * @param adamM Adam's first moments
	 * @param adamV Adam's second moments
	 * @param adamSteps Adam's step count t
	 * @param reconstruction the epoch's summed training NLL so far
	 * @param kl the epoch's summed training KL so far
	 * @param seconds the epoch's time so far
	 * @param last the metrics of the last complete epoch (null before the first); once
	 * stopped early, the best epoch's
	 * @param earlyStop early stopping's state; null without early stopping or before the
	 * first epoch
	 */
	public record State(int epoch, int step, float[] adamM, float[] adamV, int adamSteps, double reconstruction,
			double kl, double seconds, EpochMetrics last, EarlyStop earlyStop) {

		public State {
			if (epoch < 1 || step < 0 || adamSteps < 0) {
				throw new IllegalArgumentException("a training state needs epoch >= 1, step >= 0 and adamSteps >= 0");
			}
		}

		/** A state without early stopping. */
		public State(int epoch, int step, float[] adamM, float[] adamV, int adamSteps, double reconstruction, double kl,
				double seconds, EpochMetrics last) {
			this(epoch, step, adamM, adamV, adamSteps, reconstruction, kl, seconds, last, null);
		}

		static State of(int epoch, int step, AdamOptimizer adam, double reconstruction, double kl, double seconds,
				EpochMetrics last, EarlyStop earlyStop) {
			float[][] moments = adam.moments();
			return new State(epoch, step, moments[0], moments[1], adam.steps(), reconstruction, kl, seconds, last,
					earlyStop);
		}

		/** The position of a run that has not begun. */
		public static State start() {
			return new State(1, 0, null, null, 0, 0, 0, 0, null, null);
		}

		/** Whether the run has no epoch left: all done, or stopped early. */
		public boolean complete(int epochs) {
			return this.epoch > epochs || (this.earlyStop != null && this.earlyStop.stopped());
		}

		/** Steps done, counted over the whole run. */
		public long globalStep(int stepsPerEpoch) {
			return (long) (this.epoch - 1) * stepsPerEpoch + this.step;
		}

		/** Throws IllegalArgumentException when this state cannot continue such a run. */
		public void check(Settings settings, int count, int stepsPerEpoch) {
			if (this.step >= stepsPerEpoch || this.epoch > settings.epochs() + 1
					|| globalStep(stepsPerEpoch) != this.adamSteps) {
				throw new IllegalArgumentException("a training state at epoch " + this.epoch + ", step " + this.step
						+ " after " + this.adamSteps + " updates does not fit a run of " + settings.epochs()
						+ " epochs of " + stepsPerEpoch + " minibatches (" + count + " examples)");
			}
		}

	}

	/** Progress callbacks; {@link #cancelled()} is polled before every minibatch. */
	public interface Listener {

		default void onStep(int epoch, long step, long totalSteps) {
		}

		/**
		 * After each minibatch's update: its objective per example, NLL + KL (β = 1), in
		 * nats, before {@link #onStep} of the same step.
		 */
		default void onBatch(int epoch, double negElbo) {
		}

		default void onEpoch(EpochMetrics metrics) {
		}

		/**
		 * Whether to save the run after global step {@code step} (1-based) of
		 * {@code epoch}, within an epoch; the end of every epoch is saved anyway.
		 */
		default boolean checkpointDue(int epoch, long step) {
			return false;
		}

		/**
		 * Where the run is, between two minibatches: with the network's parameters and
		 * buffers as they are now, enough to continue it
		 * ({@link #train(Network, Examples, Examples, State)}). Called after each epoch
		 * (after {@link #onEpoch}) and when {@link #checkpointDue} says so.
		 */
		default void onCheckpoint(State state) {
		}

		default boolean cancelled() {
			return false;
		}

	}

	/** Training stopped because the listener asked it to. */
	public static final class CancelledException extends RuntimeException {

		public CancelledException(String message) {
			super(message);
		}

	}

}

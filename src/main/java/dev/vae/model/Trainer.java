package dev.vae.model;

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
	public EpochMetrics train(LayeredNetwork network, Examples train, Examples validation) {
		return train(network, train, validation, null);
	}

	/**
	 * Continues a run from {@code from} (null: from the start). {@code network} must hold
	 * the parameters and buffers saved with that state; the run then makes the same
	 * updates, in the same order and with the same draws, as one never interrupted.
	 * @return the last epoch's metrics
	 * @throws CancelledException when the listener asked to stop (checked between
	 * minibatches)
	 */
	public EpochMetrics train(LayeredNetwork network, Examples train, Examples validation, State from) {
		int d = network.inputLength();
		int k = network.latentSize();
		if (train.length() != d || validation.length() != d) {
			throw new IllegalArgumentException("examples have length " + train.length() + ", the network expects " + d);
		}
		INDArray params = network.parameters();
		INDArray gradient = network.newGradient();
		AdamOptimizer adam = new AdamOptimizer(params, this.settings.learningRate());
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
					LayeredNetwork.BatchLoss loss = network.lossAndGradient(x, eps, gradient);
					reconstruction += loss.reconstruction();
					kl += loss.kl();
					adam.step(params, gradient);
					this.listener.onBatch(epoch, (loss.reconstruction() + loss.kl()) / b);
					this.listener.onStep(epoch, ++iteration, totalSteps);
					if (step + 1 < stepsPerEpoch && this.listener.checkpointDue(epoch, iteration)) {
						this.listener.onCheckpoint(State.of(epoch, step + 1, adam, reconstruction, kl,
								(System.nanoTime() - started) / 1e9, last));
					}
				}
				Evaluation.Summary held = network.negElbo(validation, this.settings.seed() + epoch);
				int n = train.count();
				last = new EpochMetrics(epoch, (reconstruction + kl) / n, reconstruction / n, kl / n, held.negElbo(),
						held.reconstruction(), held.kl(), (System.nanoTime() - started) / 1e9);
				this.listener.onEpoch(last);
				this.listener.onCheckpoint(State.of(epoch + 1, 0, adam, 0, 0, 0, last));
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
	 */
	public record Settings(int epochs, int batchSize, double learningRate, long seed) {

		public Settings {
			if (epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
				throw new IllegalArgumentException("epochs and batchSize must be positive, learningRate above 0");
			}
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
	 */
	public record EpochMetrics(int epoch, double trainNegElbo, double trainReconstruction, double trainKl,
			double validationNegElbo, double validationReconstruction, double validationKl, double seconds) {
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
	 * @param last the metrics of the last complete epoch (null before the first)
	 */
	public record State(int epoch, int step, float[] adamM, float[] adamV, int adamSteps, double reconstruction,
			double kl, double seconds, EpochMetrics last) {

		public State {
			if (epoch < 1 || step < 0 || adamSteps < 0) {
				throw new IllegalArgumentException("a training state needs epoch >= 1, step >= 0 and adamSteps >= 0");
			}
		}

		static State of(int epoch, int step, AdamOptimizer adam, double reconstruction, double kl, double seconds,
				EpochMetrics last) {
			float[][] moments = adam.moments();
			return new State(epoch, step, moments[0], moments[1], adam.steps(), reconstruction, kl, seconds, last);
		}

		/** The position of a run that has not begun. */
		static State start() {
			return new State(1, 0, null, null, 0, 0, 0, 0, null);
		}

		/** Whether the run has no epoch left. */
		public boolean complete(int epochs) {
			return this.epoch > epochs;
		}

		/** Steps done, counted over the whole run. */
		public long globalStep(int stepsPerEpoch) {
			return (long) (this.epoch - 1) * stepsPerEpoch + this.step;
		}

		void check(Settings settings, int count, int stepsPerEpoch) {
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
		 * ({@link #train(LayeredNetwork, Examples, Examples, State)}). Called after each
		 * epoch (after {@link #onEpoch}) and when {@link #checkpointDue} says so.
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

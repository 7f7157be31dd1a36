package dev.vae.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Minibatch training with Adam. Each epoch shuffles the examples and draws every ε from
 * one generator seeded by {@link Settings#seed()}, so a run is reproducible. The network
 * passed in is updated in place: give it one that nothing else reads.
 */
public final class Trainer {

	private final Settings settings;

	private final Listener listener;

	public Trainer(Settings settings, Listener listener) {
		this.settings = settings;
		this.listener = listener;
	}

	/**
	 * Trains {@code network} on {@code train}, evaluating on {@code validation} after
	 * each epoch; its batch-norm running statistics move with every minibatch.
	 * @return the last epoch's metrics
	 * @throws CancelledException when the listener asked to stop (checked between
	 * minibatches)
	 */
	public EpochMetrics train(LayeredNetwork network, Examples train, Examples validation) {
		int d = network.inputLength();
		int k = network.latentSize();
		if (train.length() != d || validation.length() != d) {
			throw new IllegalArgumentException("examples have length " + train.length() + ", the network expects " + d);
		}
		INDArray params = network.parameters();
		INDArray gradient = network.newGradient();
		AdamOptimizer adam = new AdamOptimizer(params, this.settings.learningRate());
		SplittableRandom random = new SplittableRandom(this.settings.seed());
		int batchSize = Math.min(this.settings.batchSize(), train.count());
		int stepsPerEpoch = (train.count() + batchSize - 1) / batchSize;
		long totalSteps = (long) stepsPerEpoch * this.settings.epochs();
		int[] order = identity(train.count());
		EpochMetrics last = null;
		int iteration = 0;
		// the minibatch and its noise, reused while the batch size stays
		INDArray x = null;
		INDArray eps = null;
		float[] xs = null;
		float[] es = null;
		try {
			for (int epoch = 1; epoch <= this.settings.epochs(); epoch++) {
				long started = System.nanoTime();
				shuffle(order, random);
				double reconstruction = 0;
				double kl = 0;
				for (int step = 0; step < stepsPerEpoch; step++) {
					if (this.listener.cancelled()) {
						throw new CancelledException("training cancelled in epoch " + epoch);
					}
					int from = step * batchSize;
					int b = Math.min(batchSize, train.count() - from);
					if (x == null || x.size(0) != b) {
						close(x, eps);
						x = Nd4j.createUninitialized(params.dataType(), b, d);
						eps = Nd4j.createUninitialized(params.dataType(), b, k);
						xs = new float[b * d];
						es = new float[b * k];
					}
					for (int i = 0; i < b; i++) {
						System.arraycopy(train.values(), order[from + i] * d, xs, i * d, d);
					}
					for (int i = 0; i < es.length; i++) {
						es[i] = (float) random.nextGaussian();
					}
					Batches.write(xs, x);
					Batches.write(es, eps);
					LayeredNetwork.BatchLoss loss = network.lossAndGradient(x, eps, gradient);
					reconstruction += loss.reconstruction();
					kl += loss.kl();
					adam.step(params, gradient);
					this.listener.onBatch(epoch, (loss.reconstruction() + loss.kl()) / b);
					this.listener.onStep(epoch, ++iteration, totalSteps);
				}
				Evaluation.Summary held = network.negElbo(validation, this.settings.seed() + epoch);
				int n = train.count();
				last = new EpochMetrics(epoch, (reconstruction + kl) / n, reconstruction / n, kl / n, held.negElbo(),
						held.reconstruction(), held.kl(), (System.nanoTime() - started) / 1e9);
				this.listener.onEpoch(last);
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

	private static int[] identity(int n) {
		int[] order = new int[n];
		for (int i = 0; i < n; i++) {
			order[i] = i;
		}
		return order;
	}

	/** Fisher–Yates. */
	private static void shuffle(int[] order, SplittableRandom random) {
		for (int i = order.length - 1; i > 0; i--) {
			int j = random.nextInt(i + 1);
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
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

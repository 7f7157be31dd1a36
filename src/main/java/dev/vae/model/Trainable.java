package dev.vae.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What {@link Trainer} needs of a network: one flat parameter vector and its gradient.
 */
interface Trainable {

	int inputLength();

	int latentSize();

	/** The flat parameters, updated in place by the optimiser. */
	INDArray parameters();

	/** A zeroed buffer laid out like {@link #parameters()}. */
	INDArray newGradient();

	/** One minibatch's losses, its gradient written into {@code gradient}. */
	VaeNetwork.BatchLoss lossAndGradient(INDArray x, INDArray eps, INDArray gradient);

	/** Held-out −ELBO with one z per input drawn from {@code seed}. */
	Evaluation.Summary negElbo(Examples data, long seed);

	/** Frees whatever the training steps kept between them; called once training ends. */
	default void endTraining() {
	}

	/** A classic MLP as a trainable (a layered network is one itself). */
	static Trainable of(VaeNetwork network) {
		return new Trainable() {
			@Override
			public int inputLength() {
				return network.architecture().inputLength();
			}

			@Override
			public int latentSize() {
				return network.architecture().latentSize();
			}

			@Override
			public INDArray parameters() {
				return network.parameters();
			}

			@Override
			public INDArray newGradient() {
				return network.newGradient();
			}

			@Override
			public VaeNetwork.BatchLoss lossAndGradient(INDArray x, INDArray eps, INDArray gradient) {
				return network.lossAndGradient(x, eps, gradient);
			}

			@Override
			public Evaluation.Summary negElbo(Examples data, long seed) {
				return Evaluation.negElbo(network, data, seed);
			}

			@Override
			public void endTraining() {
				network.releaseStepBuffers();
			}
		};
	}

}

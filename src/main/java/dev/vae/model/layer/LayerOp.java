package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer bound to its input shape and parameters. The activations of a batch are ND4J
 * arrays [N, …shape] in 'c' order. Neither pass changes the parameters; a training
 * forward pass updates batch-norm buffers.
 */
public interface LayerOp {

	/**
	 * The layer's output for a batch; in a training tape it saves what {@link #backward}
	 * needs.
	 */
	INDArray forward(INDArray x, Tape tape);

	/**
	 * Given d loss / d output, writes d loss / d parameters into {@code gradient} (this
	 * layer's segment of the flat gradient, overwritten) and returns d loss / d input.
	 * Must follow the matching training {@link #forward} on the same tape, in reverse
	 * layer order.
	 */
	INDArray backward(INDArray dy, INDArray gradient, Tape tape);

	/**
	 * {@link #backward} for the first layers of a network, whose input is the data: only
	 * the parameter gradient is needed, so a layer may skip d loss / d input (a GEMM as
	 * large as the forward pass for a dense or convolutional layer) and return null.
	 */
	/**
	 * The inference pass on float32 values in Java arrays, [n, …in] → [n, …out] in 'c'
	 * order, with the same arithmetic as an inference {@link #forward} (float32 layers
	 * only): the serving path, free of ND4J's per-array and per-op costs. May return its
	 * input when nothing changes (flatten, reshape).
	 */
	float[] infer(float[] x, int n, Lean lean);

	default INDArray backwardParameters(INDArray dy, INDArray gradient, Tape tape) {
		return backward(dy, gradient, tape);
	}

}

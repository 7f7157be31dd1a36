package dev.vae.model.layer;

import java.util.SplittableRandom;

import dev.vae.model.Scope;
import org.deeplearning4j.nn.api.Layer.Type;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static dev.vae.model.layer.LayerGradientTests.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * DL4J's own layers as referees of the forward passes: {@code ConvolutionLayer},
 * {@code Deconvolution2D} and {@code BatchNormalization}, given the same weights in
 * double precision. DL4J's deconvolution has no output padding, so a transposed
 * convolution with output padding is checked against DL4J's uncropped (padding 0) output,
 * cut to PyTorch's window [p, p + size).
 */
class Dl4jLayerRefereeTests {

	private static final SplittableRandom RANDOM = new SplittableRandom(17);

	@Test
	void conv2dEqualsDl4jsConvolutionLayer() {
		Conv2d ours = new Conv2d(4, 3, 2, 1);
		Shape in = Shape.of(3, 9, 8);
		INDArray params = random(Layer.count(ours.parameters(in)));
		INDArray x = random(2 * in.size()).reshape('c', in.batch(2));
		MultiLayerNetwork net = network(new ConvolutionLayer.Builder(3, 3).stride(2, 2)
			.padding(1, 1)
			.nOut(4)
			.convolutionMode(ConvolutionMode.Truncate)
			.activation(Activation.IDENTITY)
			.build(), in);
		INDArray w = params.get(NDArrayIndex.interval(0, 4 * 3 * 9)).reshape('c', 4, 3, 3, 3);
		net.getLayer(0).setParam("W", w.dup('c'));
		net.getLayer(0).setParam("b", params.get(NDArrayIndex.interval(4 * 3 * 9, params.length())).reshape(1, 4));
		assertClose(ours(ours, in, params, Nd4j.empty(DataType.DOUBLE), x, false), theirs(net, x, false), 1e-10,
				"conv2d");
	}

	@Test
	void convTranspose2dEqualsDl4jsDeconvolution2d() {
		for (int outputPadding : new int[] { 0, 1 }) {
			ConvTranspose2d ours = new ConvTranspose2d(2, 3, 2, 1, outputPadding);
			Shape in = Shape.of(3, 4, 5);
			INDArray params = random(Layer.count(ours.parameters(in)));
			INDArray x = random(2 * in.size()).reshape('c', in.batch(2));
			// DL4J without padding gives the full output, (H − 1)s + k, which PyTorch
			// crops
			MultiLayerNetwork net = network(new Deconvolution2D.Builder(3, 3).stride(2, 2)
				.padding(0, 0)
				.nOut(2)
				.convolutionMode(ConvolutionMode.Truncate)
				.activation(Activation.IDENTITY)
				.build(), in);
			net.getLayer(0)
				.setParam("W", params.get(NDArrayIndex.interval(0, 3 * 2 * 9)).reshape('c', 3, 2, 3, 3).dup());
			net.getLayer(0).setParam("b", params.get(NDArrayIndex.interval(3 * 2 * 9, params.length())).reshape(1, 2));
			INDArray full = net.output(x, false);
			Shape out = ours.outputShape(in);
			assertThat(full.size(2)).isEqualTo(3 * 2 + 3);
			INDArray cropped = full.get(NDArrayIndex.all(), NDArrayIndex.all(),
					NDArrayIndex.interval(1, 1 + out.dim(1)), NDArrayIndex.interval(1, 1 + out.dim(2)));
			assertClose(ours(ours, in, params, Nd4j.empty(DataType.DOUBLE), x, false),
					cropped.dup('c').data().asDouble(), 1e-10, "conv-transpose2d, output padding " + outputPadding);
		}
	}

	@Test
	void convTranspose2dWithoutOutputPaddingEqualsDl4jsPaddedDeconvolution() {
		ConvTranspose2d ours = new ConvTranspose2d(3, 4, 2, 1, 0);
		Shape in = Shape.of(2, 3, 3);
		INDArray params = random(Layer.count(ours.parameters(in)));
		INDArray x = random(3 * in.size()).reshape('c', in.batch(3));
		MultiLayerNetwork net = network(new Deconvolution2D.Builder(4, 4).stride(2, 2)
			.padding(1, 1)
			.nOut(3)
			.convolutionMode(ConvolutionMode.Truncate)
			.activation(Activation.IDENTITY)
			.build(), in);
		net.getLayer(0).setParam("W", params.get(NDArrayIndex.interval(0, 2 * 3 * 16)).reshape('c', 2, 3, 4, 4).dup());
		net.getLayer(0).setParam("b", params.get(NDArrayIndex.interval(2 * 3 * 16, params.length())).reshape(1, 3));
		assertClose(ours(ours, in, params, Nd4j.empty(DataType.DOUBLE), x, false), theirs(net, x, false), 1e-10,
				"conv-transpose2d");
	}

	@Test
	void batchNormEqualsDl4jsBatchNormalizationInTrainingAndInference() {
		BatchNorm ours = BatchNorm.pytorch();
		Shape in = Shape.of(3, 4, 4);
		INDArray params = random(6);
		INDArray buffers = Nd4j.createFromArray(0.3, -0.2, 0.1, 1.5, 0.7, 2.0);
		INDArray x = random(5 * in.size()).reshape('c', in.batch(5)).muli(3).addi(1);
		MultiLayerNetwork net = network(new BatchNormalization.Builder().eps(1e-5).useLogStd(false).build(), in);
		org.deeplearning4j.nn.api.Layer layer = net.getLayer(0);
		assertThat(layer.type()).isEqualTo(Type.NORMALIZATION);
		layer.setParam("gamma", params.get(NDArrayIndex.interval(0, 3)).reshape(1, 3));
		layer.setParam("beta", params.get(NDArrayIndex.interval(3, 6)).reshape(1, 3));
		layer.setParam("mean", buffers.get(NDArrayIndex.interval(0, 3)).reshape(1, 3));
		layer.setParam("var", buffers.get(NDArrayIndex.interval(3, 6)).reshape(1, 3));
		assertClose(ours(ours, in, params, buffers.dup(), x, false), theirs(net, x, false), 1e-10, "inference");
		assertClose(ours(ours, in, params, buffers.dup(), x, true), theirs(net, x, true), 1e-10, "training");
	}

	private static double[] ours(Layer layer, Shape in, INDArray params, INDArray buffers, INDArray x,
			boolean training) {
		try (Scope scope = new Scope()) {
			LayerOp op = layer.bind(in, params, buffers);
			return op.forward(x, training ? Tape.training(scope) : Tape.inference(scope)).dup('c').data().asDouble();
		}
	}

	private static double[] theirs(MultiLayerNetwork net, INDArray x, boolean training) {
		return net.getLayer(0).activate(x.dup(), training, LayerWorkspaceMgr.noWorkspaces()).dup('c').data().asDouble();
	}

	private static MultiLayerNetwork network(org.deeplearning4j.nn.conf.layers.Layer layer, Shape in) {
		MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
			.list()
			.layer(layer)
			.setInputType(InputType.convolutional(in.dim(1), in.dim(2), in.dim(0)))
			.build());
		net.init();
		return net;
	}

	private static INDArray random(long n) {
		double[] values = new double[(int) n];
		for (int i = 0; i < values.length; i++) {
			values[i] = 2 * RANDOM.nextDouble() - 1;
		}
		return Nd4j.createFromArray(values);
	}

}

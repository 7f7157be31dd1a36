package dev.vae.model.network;

import dev.vae.model.Examples;
import dev.vae.model.ModelFixtures;
import dev.vae.model.analysis.LossAnalysis;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.Reconstruction;

import java.util.List;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.variational.BernoulliReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * An independent implementation as referee: DL4J's own {@code VariationalAutoencoder}
 * layer, given the same weights, must produce the same posterior mean and decoder mean,
 * and its Monte Carlo {@code reconstructionLogProbability} (which is E_q[log p(x|z)], not
 * log p(x)) must agree with our Monte Carlo −E_q[bce] within their standard errors.
 */
class Dl4jCrossCheckTests {

	private static final String[] KEYS = { "e0W", "e0b", "pZXMeanW", "pZXMeanb", "pZXLogStd2W", "pZXLogStd2b", "d0W",
			"d0b", "pXZW", "pXZb" };

	@Test
	void dl4jsVaeLayerAgreesWithOurs() {
		FormatOneArchitecture architecture = FormatOneArchitecture.mirrored(List.of(6), List.of(5), 2,
				ActivationKind.TANH, Likelihood.BERNOULLI, 1, 1);
		double[] parameters = ModelFixtures.formatOneParameters(architecture, 21);
		Network ours = Network.fromFormatOne(architecture, parameters, DataType.DOUBLE);
		org.deeplearning4j.nn.layers.variational.VariationalAutoencoder theirs = dl4jLayerWithWeightsOf(architecture,
				parameters);

		double[][] x = rows(ModelFixtures.twoPatterns(4, 3));
		INDArray input = Nd4j.create(x);
		double[][] theirMu = theirs.activate(input, false, LayerWorkspaceMgr.noWorkspaces()).toDoubleMatrix();
		Encoding q = ours.encode(x);
		double[][] z = { { 0.3, -1.1 }, { 2.0, 0.5 } };
		double[][] theirMean = theirs.generateAtMeanGivenZ(Nd4j.create(z)).toDoubleMatrix();
		double[][] eta = ours.decodeLogits(z);
		for (int i = 0; i < x.length; i++) {
			for (int k = 0; k < 2; k++) {
				assertThat(q.mu()[i][k]).isCloseTo(theirMu[i][k], within(1e-12));
			}
		}
		for (int i = 0; i < z.length; i++) {
			for (int j = 0; j < 6; j++) {
				assertThat(Reconstruction.mean(eta[i][j])).isCloseTo(theirMean[i][j], within(1e-12));
			}
		}

		int samples = 4000;
		double[] theirLogProb = theirs.reconstructionLogProbability(input, samples).toDoubleVector();
		List<LossAnalysis.InputLoss> mc = LossAnalysis.analyse(ours, x,
				new LossAnalysis.Options(1, samples, 0, 5, true));
		for (int i = 0; i < x.length; i++) {
			LossAnalysis.Estimate bce = mc.get(i).monteCarlo().bce();
			// two independent estimates of the same expectation, each with about this
			// standard error
			assertThat(-theirLogProb[i]).isCloseTo(bce.mean(), within(4 * Math.sqrt(2) * bce.standardError()));
		}
	}

	private static org.deeplearning4j.nn.layers.variational.VariationalAutoencoder dl4jLayerWithWeightsOf(
			FormatOneArchitecture architecture, double[] flat) {
		MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
			.list()
			.layer(new VariationalAutoencoder.Builder().nIn(6)
				.nOut(2)
				.encoderLayerSizes(5)
				.decoderLayerSizes(5)
				.activation(Activation.TANH)
				.pzxActivationFunction(Activation.IDENTITY)
				.reconstructionDistribution(new BernoulliReconstructionDistribution(Activation.SIGMOID))
				.build())
			.build());
		net.init();
		var layer = (org.deeplearning4j.nn.layers.variational.VariationalAutoencoder) net.getLayer(0);
		int offset = 0;
		int key = 0;
		for (FormatOneArchitecture.LayerShape shape : architecture.layers()) {
			int weights = shape.in() * shape.out();
			double[] w = java.util.Arrays.copyOfRange(flat, offset, offset + weights);
			layer.setParam(KEYS[key++], Nd4j.create(w, new long[] { shape.in(), shape.out() }, 'c'));
			offset += weights;
			double[] b = java.util.Arrays.copyOfRange(flat, offset, offset + shape.out());
			layer.setParam(KEYS[key++], Nd4j.create(b, new long[] { 1, shape.out() }, 'c'));
			offset += shape.out();
		}
		return layer;
	}

	private static double[][] rows(Examples examples) {
		double[][] rows = new double[examples.count()][];
		for (int i = 0; i < rows.length; i++) {
			rows[i] = examples.row(i);
		}
		return rows;
	}

}

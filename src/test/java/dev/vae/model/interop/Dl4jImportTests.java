package dev.vae.model.interop;

import dev.vae.model.analysis.LossAnalysis;
import dev.vae.model.checkpoint.CheckpointException;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Network;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.variational.BernoulliReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.ExponentialReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.GaussianReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.ReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * DL4J zips made by DL4J itself (a VAE built, fitted a few steps and saved with
 * {@code ModelSerializer.writeModel}) imported without DL4J's restore: μ and
 * generateAtMean equal DL4J's, and its Monte Carlo reconstructionLogProbability (E_q[log
 * p(x|z)]) agrees with our Monte Carlo estimate of the same expectation within their
 * standard errors.
 */
class Dl4jImportTests {

	private static final int D = 8;

	@TempDir
	Path dir;

	@Test
	void aBernoulliVaeImportsAsDl4jComputesIt() throws IOException {
		crossCheck(new BernoulliReconstructionDistribution(Activation.SIGMOID), Activation.TANH, binary(16, 1));
	}

	@Test
	void aGaussianVaeWithTanhOnBothHalvesImportsAsDl4jComputesIt() throws IOException {
		crossCheck(new GaussianReconstructionDistribution(Activation.TANH), Activation.RELU, real(16, 2));
	}

	@Test
	void aGaussianVaeWithIdentityActivationImportsAsDl4jComputesIt() throws IOException {
		crossCheck(new GaussianReconstructionDistribution(Activation.IDENTITY), Activation.LEAKYRELU, real(16, 3));
	}

	@Test
	void aNetworkThatIsNotAVaeIsRefused() throws IOException {
		MultiLayerNetwork dense = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
			.layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
			.layer(vae(new BernoulliReconstructionDistribution(Activation.SIGMOID), Activation.TANH,
					Activation.IDENTITY))
			.build());
		dense.init();
		Path file = save(dense);
		assertThatThrownBy(() -> Dl4jImport.read(file, null, 1_000_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("not a VAE: its first layer is DenseLayer")
			.hasMessageContaining("not the first layer is not supported");
	}

	@Test
	void aComputationGraphIsRefused() throws IOException {
		ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder()
			.addInputs("in")
			.addLayer("vae",
					vae(new BernoulliReconstructionDistribution(Activation.SIGMOID), Activation.TANH,
							Activation.IDENTITY),
					"in")
			.setOutputs("vae")
			.build();
		ComputationGraph graph = new ComputationGraph(conf);
		graph.init();
		Path file = this.dir.resolve("graph.zip");
		ModelSerializer.writeModel(graph, file.toFile(), false);
		assertThatThrownBy(() -> Dl4jImport.read(file, null, 1_000_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("ComputationGraph");
	}

	@Test
	void unsupportedDistributionsAndLatentActivationsAreNamed() throws IOException {
		Path exponential = save(network(new ExponentialReconstructionDistribution(Activation.IDENTITY), Activation.TANH,
				Activation.IDENTITY));
		assertThatThrownBy(() -> Dl4jImport.read(exponential, null, 1_000_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("ExponentialReconstructionDistribution is not supported");
		Path tanhLatent = save(
				network(new BernoulliReconstructionDistribution(Activation.SIGMOID), Activation.TANH, Activation.TANH));
		assertThatThrownBy(() -> Dl4jImport.read(tanhLatent, null, 1_000_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("pzxActivationFn is tanh");
	}

	@Test
	void classesOffTheAllowListAndLyingCoefficientsAreRefused() throws IOException {
		Path file = this.dir.resolve("evil.zip");
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
			zip.putNextEntry(new ZipEntry("configuration.json"));
			zip.write("{\"confs\":[{\"layer\":{\"@class\":\"java.lang.ProcessBuilder\"}}]}".getBytes());
			zip.putNextEntry(new ZipEntry("coefficients.bin"));
			zip.write(new byte[16]);
		}
		assertThatThrownBy(() -> Dl4jImport.read(file, null, 1_000_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("'java.lang.ProcessBuilder', which is not on this importer's allow-list");

		Path real = save(network(new BernoulliReconstructionDistribution(Activation.SIGMOID), Activation.TANH,
				Activation.IDENTITY));
		byte[] coefficients;
		try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(real.toFile())) {
			coefficients = zip.getInputStream(zip.getEntry("coefficients.bin")).readAllBytes();
		}
		long count = Dl4jImport.configuration(configuration(real)).architecture().parameterCount();
		byte[] truncated = java.util.Arrays.copyOf(coefficients, coefficients.length - 9);
		assertThatThrownBy(
				() -> Dl4jImport.coefficients(new java.io.ByteArrayInputStream(truncated), count, false, 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("ends early");
		assertThatThrownBy(
				() -> Dl4jImport.coefficients(new java.io.ByteArrayInputStream(coefficients), count, true, 10))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("the limit is 10");
		// zeros past the values the configuration implies: refused at the first extra
		// byte
		byte[] longer = java.util.Arrays.copyOf(coefficients, coefficients.length + 4096);
		assertThatThrownBy(
				() -> Dl4jImport.coefficients(new java.io.ByteArrayInputStream(longer), count, false, 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("holds more than the " + count);
		assertThat(Dl4jImport.coefficients(new java.io.ByteArrayInputStream(coefficients), count, false, 1_000_000))
			.hasSize((int) count);
	}

	private static byte[] configuration(Path zipFile) throws IOException {
		try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(zipFile.toFile())) {
			return zip.getInputStream(zip.getEntry("configuration.json")).readAllBytes();
		}
	}

	private void crossCheck(ReconstructionDistribution distribution, Activation activation, double[][] x)
			throws IOException {
		MultiLayerNetwork net = network(distribution, activation, Activation.IDENTITY);
		INDArray input = Nd4j.create(x).castTo(DataType.FLOAT);
		for (int i = 0; i < 5; i++) {
			net.pretrainLayer(0, input);
		}
		Imported imported = Dl4jImport.read(save(net), "from dl4j", 1_000_000);
		Network ours = imported.network();
		assertThat(imported.manifest().architecture().beta()).isEqualTo(1.0);
		var theirs = (org.deeplearning4j.nn.layers.variational.VariationalAutoencoder) net.getLayer(0);

		double[][] theirMu = theirs.activate(input, false, LayerWorkspaceMgr.noWorkspaces())
			.castTo(DataType.DOUBLE)
			.toDoubleMatrix();
		Encoding q = ours.encode(x);
		assertThat(TorchImportTests.relativeError(q.mu(), theirMu)).isLessThan(1e-5);

		double[][] z = { { 0.3, -1.1, 0.2 }, { 2.0, 0.5, -0.7 } };
		double[][] theirMean = theirs.generateAtMeanGivenZ(Nd4j.create(z).castTo(DataType.FLOAT))
			.castTo(DataType.DOUBLE)
			.toDoubleMatrix();
		assertThat(TorchImportTests.relativeError(ours.decodeMean(z), theirMean)).isLessThan(1e-5);

		int samples = 2000;
		double[] theirLogProb = theirs.reconstructionLogProbability(input, samples)
			.castTo(DataType.DOUBLE)
			.toDoubleVector();
		DecoderHead head = imported.manifest().architecture().head();
		List<LossAnalysis.InputLoss> mc = LossAnalysis.analyse(ours, head, 3, x,
				new LossAnalysis.Options(1.0, samples, 0, 7, true));
		for (int i = 0; i < x.length; i++) {
			LossAnalysis.Estimate nll = mc.get(i).monteCarlo().modelNll();
			assertThat(mc.get(i).monteCarlo().samples()).isEqualTo(samples);
			double mean = nll.mean();
			// s/√L over the L draws' NLLs
			double standardError = nll.standardError();
			// two independent estimates of E_q[−log p(x|z)], each with about this error
			assertThat(-theirLogProb[i]).isCloseTo(mean, within(4 * Math.sqrt(2) * standardError + 1e-4));
		}
	}

	private static MultiLayerNetwork network(ReconstructionDistribution distribution, Activation activation,
			Activation pzx) {
		MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
			.seed(13)
			.updater(new Adam(1e-2))
			.list()
			.layer(vae(distribution, activation, pzx))
			.build());
		net.init();
		return net;
	}

	private static VariationalAutoencoder vae(ReconstructionDistribution distribution, Activation activation,
			Activation pzx) {
		return new VariationalAutoencoder.Builder().nIn(D)
			.nOut(3)
			.encoderLayerSizes(7, 5)
			.decoderLayerSizes(6)
			.activation(activation)
			.pzxActivationFunction(pzx)
			.reconstructionDistribution(distribution)
			.build();
	}

	private Path save(MultiLayerNetwork net) throws IOException {
		Path file = Files.createTempFile(this.dir, "dl4j", ".zip");
		ModelSerializer.writeModel(net, file.toFile(), true);
		return file;
	}

	private static double[][] binary(int n, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		double[][] x = new double[n][D];
		for (double[] row : x) {
			for (int j = 0; j < D; j++) {
				row[j] = random.nextBoolean() ? 1 : 0;
			}
		}
		return x;
	}

	private static double[][] real(int n, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		double[][] x = new double[n][D];
		for (double[] row : x) {
			for (int j = 0; j < D; j++) {
				row[j] = 0.8 * random.nextDouble() - 0.4;
			}
		}
		return x;
	}

}

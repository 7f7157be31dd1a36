package dev.vae.model.train;

import java.util.List;

import dev.vae.model.Examples;
import dev.vae.model.ModelFixtures;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.layer.Activation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static dev.vae.model.ModelFixtures.aTinyConvVae;
import static dev.vae.model.ModelFixtures.tinyBars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConvTrainingTests {

	@Test
	void aConvVaeLearnsTinyBarsWellBelowThePixelMeanBaseline() {
		Examples train = tinyBars(256, 1);
		Examples validation = tinyBars(64, 2);
		Network network = Network.initialise(aTinyConvVae(), DataType.FLOAT, 3);
		double before = network.negElbo(validation, 9).negElbo();
		Trainer.EpochMetrics last = new Trainer(new Trainer.Settings(12, 32, 0.01, 4), new Trainer.Listener() {
		}).train(network, train, validation);
		double after = network.negElbo(validation, 9).negElbo();
		assertThat(last.epoch()).isEqualTo(12);
		assertThat(after).isLessThan(0.7 * before).isLessThan(0.9 * pixelMeanBaseline(train, validation));
	}

	@Test
	void sameSeedTrainsTheSameWeightsAndRunningStatistics() {
		Examples train = tinyBars(64, 1);
		float[][] params = new float[2][];
		float[][] buffers = new float[2][];
		for (int run = 0; run < 2; run++) {
			Network network = Network.initialise(aTinyConvVae(), DataType.FLOAT, 3);
			new Trainer(new Trainer.Settings(2, 16, 0.01, 4), new Trainer.Listener() {
			}).train(network, train, train);
			params[run] = network.parametersAsFloats();
			buffers[run] = network.buffersAsFloats();
		}
		assertThat(params[0]).containsExactly(params[1]);
		assertThat(buffers[0]).containsExactly(buffers[1]);
		assertThat(params[0]).isNotEqualTo(Network.initialise(aTinyConvVae(), DataType.FLOAT, 3).parametersAsFloats());
	}

	@Test
	void theConvPresetsFitTheirInputsWithPyTorchShapedTensors() {
		Architecture small = Presets.conv(List.of(1, 28, 28), 16, new DecoderHead.Bernoulli(), 1);
		Architecture large = Presets.conv(List.of(3, 64, 64), 128,
				new DecoderHead.LearnedGaussian(OutputActivation.TANH), 1);
		var smallTensors = Network.initialise(small, DataType.FLOAT, 1).tensorShapes();
		assertThat(smallTensors).containsEntry("encoder.0.weight", List.of(32, 1, 3, 3))
			.containsEntry("encoder.1.running_var", List.of(32))
			.containsEntry("encoder.3.weight", List.of(64, 32, 3, 3))
			.containsEntry("mu.weight", List.of(16, 64 * 7 * 7))
			.containsEntry("decoder.2.weight", List.of(64, 32, 3, 3))
			.containsEntry("decoder.5.weight", List.of(32, 32, 3, 3))
			.containsEntry("decoder.8.weight", List.of(1, 32, 3, 3));
		assertThat(small.slots().get(small.slots().size() - 1).out()).hasToString("1×28×28");
		assertThat(large.slots().get(large.slots().size() - 1).out()).hasToString("6×64×64");
		assertThat(Network.initialise(large, DataType.FLOAT, 1).tensorShapes())
			.containsEntry("encoder.9.weight", List.of(256, 128, 3, 3))
			.containsEntry("mu.weight", List.of(128, 256 * 4 * 4));
		Architecture mlp = Presets.mlp(List.of(1, 28, 28), List.of(400), 20, Activation.of(Activation.Function.RELU),
				new DecoderHead.Bernoulli(), 1);
		assertThat(mlp.parameterCount()).isEqualTo(Presets.of(ModelFixtures.anMnistMlp()).parameterCount());
	}

	@Test
	void anArchitectureThatDoesNotFitNamesTheLayer() {
		assertThatThrownBy(() -> new Architecture(List.of(1, 8, 8),
				List.of(new dev.vae.model.layer.Conv2d(4, 3, 2, 1), new dev.vae.model.layer.Dense(3)), 2, List.of(),
				new DecoderHead.Bernoulli(), 1))
			.hasMessage("encoder layer 1: dense needs a feature vector, got 4×4×4 (add a flatten before it)");
		assertThatThrownBy(() -> Presets.conv(List.of(1, 8, 6), List.of(4, 4), 2, new DecoderHead.Bernoulli(), 1))
			.hasMessage("the conv preset needs height and width of the same parity at every level, got 4×3");
		assertThatThrownBy(() -> new Architecture(List.of(2, 8, 8), aTinyConvVae().encoder(), 2,
				aTinyConvVae().decoder(), new DecoderHead.Bernoulli(), 1))
			.hasMessage("the decoder's output is 1×8×8, the Bernoulli head needs 2×8×8");
	}

	/** Bernoulli NLL of the model whose every pixel is its training mean. */
	private static double pixelMeanBaseline(Examples train, Examples test) {
		int d = train.length();
		double[] logits = new double[d];
		for (int j = 0; j < d; j++) {
			double sum = 0;
			for (int i = 0; i < train.count(); i++) {
				sum += train.values()[i * d + j];
			}
			double p = sum / train.count();
			logits[j] = Math.log(p / (1 - p));
		}
		double total = 0;
		for (int i = 0; i < test.count(); i++) {
			total += new DecoderHead.Bernoulli().nll(test.row(i), 0, logits, 0, d, null);
		}
		return total / test.count();
	}

}

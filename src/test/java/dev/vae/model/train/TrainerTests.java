package dev.vae.model.train;

import dev.vae.model.Examples;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static dev.vae.model.ModelFixtures.aTinyArchitecture;
import static dev.vae.model.ModelFixtures.twoPatterns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTests {

	@Test
	void trainingLowersTheHeldOutNegativeElboWellBelowTheBaseline() {
		Examples train = twoPatterns(512, 1);
		Examples validation = twoPatterns(128, 2);
		Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
		double before = Evaluation.negElbo(network, validation, 9).negElbo();
		List<Trainer.EpochMetrics> epochs = new ArrayList<>();
		new Trainer(new Trainer.Settings(30, 32, 0.01, 4), new Trainer.Listener() {
			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				epochs.add(metrics);
			}
		}).train(network, train, validation);
		double after = Evaluation.negElbo(network, validation, 9).negElbo();
		double baseline = Evaluation.pixelMeanBaseline(network.architecture(), train, validation);
		assertThat(epochs).hasSize(30);
		assertThat(after).isLessThan(0.8 * before).isLessThan(0.9 * baseline);
	}

	@Test
	void sameSeedTrainsTheSameWeights() {
		Examples train = twoPatterns(64, 1);
		float[][] results = new float[2][];
		for (int run = 0; run < 2; run++) {
			Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
			new Trainer(new Trainer.Settings(2, 16, 0.01, 4), new Trainer.Listener() {
			}).train(network, train, train);
			results[run] = network.parametersAsFloats();
		}
		assertThat(results[0]).containsExactly(results[1]);
	}

	@Test
	void cancellationStopsBetweenMinibatches() {
		Examples train = twoPatterns(64, 1);
		AtomicInteger steps = new AtomicInteger();
		Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
		Trainer trainer = new Trainer(new Trainer.Settings(5, 16, 0.01, 4), new Trainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				steps.incrementAndGet();
			}

			@Override
			public boolean cancelled() {
				return steps.get() >= 3;
			}
		});
		assertThatThrownBy(() -> trainer.train(network, train, train)).isInstanceOf(Trainer.CancelledException.class);
		assertThat(steps.get()).isEqualTo(3);
	}

	@Test
	void everyMinibatchReportsItsObjectiveAndTheyAverageToTheEpochs() {
		// 64 examples in minibatches of 16: four equal batches per epoch, so the epoch's
		// training −ELBO (sum over examples / 64) is the mean of the four per-example
		// values
		Examples train = twoPatterns(64, 1);
		Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
		List<double[]> batches = new ArrayList<>();
		List<Trainer.EpochMetrics> epochs = new ArrayList<>();
		new Trainer(new Trainer.Settings(2, 16, 0.01, 4), new Trainer.Listener() {
			@Override
			public void onBatch(int epoch, double negElbo) {
				batches.add(new double[] { epoch, negElbo });
			}

			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				epochs.add(metrics);
			}
		}).train(network, train, train);
		assertThat(batches).hasSize(8);
		for (int e = 1; e <= 2; e++) {
			int epoch = e;
			double mean = batches.stream()
				.filter((b) -> b[0] == epoch)
				.mapToDouble((b) -> b[1])
				.average()
				.orElseThrow();
			assertThat(mean).isCloseTo(epochs.get(e - 1).trainNegElbo(), org.assertj.core.data.Offset.offset(1e-9));
		}
	}

}

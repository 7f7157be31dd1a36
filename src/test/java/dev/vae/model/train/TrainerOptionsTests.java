package dev.vae.model.train;

import dev.vae.model.Examples;
import dev.vae.model.ModelFixtures;
import dev.vae.model.checkpoint.CheckpointException;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.checkpoint.TrainingCheckpoint;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Activation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The training options through {@link Trainer}, on tiny networks. */
class TrainerOptionsTests {

	/** Reads and writes the JSON the tests rewrite; any mapper reads it alike. */
	private static final ObjectMapper JSON = new ObjectMapper();

	private static Architecture aTinyMlp(int latent, int hidden, double beta) {
		return Presets.mlp(List.of(6), List.of(hidden), latent, Activation.of(Activation.Function.TANH),
				new DecoderHead.Bernoulli(), beta);
	}

	private static TrainingOptions freeBits(double lambda) {
		return new TrainingOptions(null, lambda, 0, null, 0);
	}

	@Test
	void freeBitsKeepsEveryDimensionsKlAtTheFloorWhereTrainingWithoutItCollapses() {
		// two clusters of 6-pixel patterns: little to encode, and 4 latent dimensions
		Examples train = ModelFixtures.twoPatterns(512, 1);
		Examples validation = ModelFixtures.twoPatterns(256, 2);
		double lambda = 0.25;
		Trainer.EpochMetrics[] runs = new Trainer.EpochMetrics[2];
		for (int run = 0; run < 2; run++) {
			Network network = Network.initialise(aTinyMlp(4, 16, 1.0), DataType.FLOAT, 3);
			runs[run] = new Trainer(new Trainer.Settings(15, 32, 0.01, 4, freeBits((run == 0) ? 0 : lambda)),
					new Trainer.Listener() {
					})
				.train(network, train, validation);
		}
		// without free bits three of the four dimensions collapse to the prior
		double[] plain = runs[0].validationKlPerDimension();
		assertThat(java.util.Arrays.stream(plain).filter((kl) -> kl < 0.01).count()).isEqualTo(3);
		assertThat(runs[0].activeUnits()).isEqualTo(1);
		// with them every dimension carries about λ nats (the validation KL of a floor
		// set
		// on training minibatches)
		for (double kl : runs[1].validationKlPerDimension()) {
			assertThat(kl).isGreaterThan(0.9 * lambda);
		}
		assertThat(runs[1].activeUnits()).isEqualTo(4);
	}

	@Test
	void klWarmupTrainsWithBetaZeroAtTheFirstStepAndRisingLinearly() {
		Examples train = ModelFixtures.twoPatterns(64, 1);
		Architecture architecture = aTinyMlp(2, 5, 2.0);
		int steps = 4;
		long warmup = 6;
		int batch = 16;
		// the trainer, stopped after four steps of a six-step warm-up
		Network trained = Network.initialise(architecture, DataType.FLOAT, 7);
		TrainingOptions options = new TrainingOptions(new TrainingOptions.Warmup(0, warmup), 0, 0, null, 0);
		int[] done = { 0 };
		assertThatThrownBy(() -> new Trainer(new Trainer.Settings(3, batch, 0.01, 5, options), new Trainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				done[0]++;
			}

			@Override
			public boolean cancelled() {
				return done[0] >= steps;
			}
		}).train(trained, train, train)).isInstanceOf(Trainer.CancelledException.class);

		// by hand: the same draws, β_t = 2 · t / 6 given to each step
		Network reference = Network.initialise(architecture, DataType.FLOAT, 7);
		AdamOptimizer adam = new AdamOptimizer(reference.parameters(), 0.01);
		TrainingSchedule schedule = new TrainingSchedule(5, train.count(), batch);
		int[] order = schedule.order(1);
		INDArray gradient = reference.newGradient();
		for (int t = 0; t < steps; t++) {
			float[] xs = new float[batch * 6];
			for (int i = 0; i < batch; i++) {
				System.arraycopy(train.values(), order[schedule.from(t) + i] * 6, xs, i * 6, 6);
			}
			float[] es = new float[batch * 2];
			schedule.noise(1, t, es);
			try (INDArray x = Nd4j.createFromArray(xs).reshape(batch, 6);
					INDArray eps = Nd4j.createFromArray(es).reshape(batch, 2)) {
				reference.lossAndGradient(x, eps, gradient, Network.KlTerm.of(2.0 * t / warmup));
			}
			adam.step(reference.parameters(), gradient);
		}
		assertThat(trained.parametersAsFloats()).containsExactly(reference.parametersAsFloats());
		// and a run without warm-up (β = 2 from the start) is another run
		Network plain = Network.initialise(architecture, DataType.FLOAT, 7);
		int[] plainDone = { 0 };
		assertThatThrownBy(() -> new Trainer(new Trainer.Settings(3, batch, 0.01, 5), new Trainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				plainDone[0]++;
			}

			@Override
			public boolean cancelled() {
				return plainDone[0] >= steps;
			}
		}).train(plain, train, train)).isInstanceOf(Trainer.CancelledException.class);
		assertThat(plain.parametersAsFloats()).isNotEqualTo(trained.parametersAsFloats());
	}

	@Test
	void eachEpochReportsTheBetaAndLearningRateOfItsLastStep() {
		Examples train = ModelFixtures.twoPatterns(64, 1);
		Network network = Network.initialise(aTinyMlp(2, 5, 0.5), DataType.FLOAT, 7);
		// 4 steps an epoch, 5 epochs: warm-up over 2 epochs (8 steps), cosine over 20
		TrainingOptions options = new TrainingOptions(new TrainingOptions.Warmup(2, 0), 0, 0,
				new TrainingOptions.LearningRateSchedule.Cosine(0.001), 0);
		List<Trainer.EpochMetrics> epochs = new ArrayList<>();
		new Trainer(new Trainer.Settings(5, 16, 0.01, 5, options), new Trainer.Listener() {
			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				epochs.add(metrics);
			}
		}).train(network, train, train);
		assertThat(epochs).hasSize(5);
		for (Trainer.EpochMetrics m : epochs) {
			long last = 4L * m.epoch() - 1;
			assertThat(m.beta()).isCloseTo(0.5 * Math.min(1, last / 8.0), within(1e-15));
			assertThat(m.learningRate()).isCloseTo(0.001 + 0.5 * (0.01 - 0.001) * (1 + Math.cos(Math.PI * last / 20)),
					within(1e-15));
			assertThat(m.validationKlPerDimension()).hasSize(2);
			assertThat(m.validationKlPerDimension()[0] + m.validationKlPerDimension()[1]).isCloseTo(m.validationKl(),
					within(1e-9));
		}
	}

	@Test
	void aClipNormAboveEveryGradientChangesNothingAndATightOneChangesTheRun() {
		Examples train = ModelFixtures.twoPatterns(64, 1);
		float[][] params = new float[3][];
		double[] bounds = { 0, 1e6, 0.05 };
		for (int run = 0; run < 3; run++) {
			Network network = Network.initialise(aTinyMlp(2, 5, 1.0), DataType.FLOAT, 7);
			new Trainer(new Trainer.Settings(2, 16, 0.01, 5, new TrainingOptions(null, 0, 0, null, bounds[run])),
					new Trainer.Listener() {
					})
				.train(network, train, train);
			params[run] = network.parametersAsFloats();
		}
		assertThat(params[1]).containsExactly(params[0]);
		assertThat(params[2]).isNotEqualTo(params[0]);
	}

	/** 16 training examples and a learning rate of 0.05: validation −ELBO turns up. */
	private static Trainer.Settings overfitting(int patience) {
		return new Trainer.Settings(40, 8, 0.05, 3,
				new TrainingOptions(null, 0, patience, new TrainingOptions.LearningRateSchedule.Constant(), 0));
	}

	@Test
	void earlyStoppingStopsAfterPatienceAndLeavesTheBestEpochsParameters() {
		Examples train = ModelFixtures.tinyBars(16, 1);
		Examples validation = ModelFixtures.tinyBars(128, 2);
		Architecture architecture = Presets.mlp(List.of(1, 8, 8), List.of(64), 4,
				Activation.of(Activation.Function.RELU), new DecoderHead.Bernoulli(), 1.0);
		Network network = Network.initialise(architecture, DataType.FLOAT, 2);
		List<Trainer.EpochMetrics> epochs = new ArrayList<>();
		List<float[]> parameters = new ArrayList<>();
		Trainer.EpochMetrics result = new Trainer(overfitting(3), new Trainer.Listener() {
			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				epochs.add(metrics);
				parameters.add(network.parametersAsFloats());
			}
		}).train(network, train, validation);

		Trainer.EpochMetrics best = epochs.stream()
			.min(java.util.Comparator.comparingDouble(Trainer.EpochMetrics::validationNegElbo))
			.orElseThrow();
		// it stopped early, three epochs after the best
		assertThat(epochs.size()).isLessThan(40);
		assertThat(epochs.get(epochs.size() - 1).epoch()).isEqualTo(best.epoch() + 3);
		assertThat(epochs.get(epochs.size() - 1).validationNegElbo()).isGreaterThan(best.validationNegElbo());
		assertThat(result).isEqualTo(best);
		// the network holds the best epoch's parameters, not the last one's
		assertThat(network.parametersAsFloats()).containsExactly(parameters.get(best.epoch() - 1));
		assertThat(network.negElbo(validation, 3 + best.epoch()).negElbo()).isEqualTo(best.validationNegElbo());
	}

	@Test
	void withPatienceLeftAtTheLastEpochTheRunStillEndsOnItsBestEpoch() {
		Examples train = ModelFixtures.tinyBars(16, 1);
		Examples validation = ModelFixtures.tinyBars(128, 2);
		Architecture architecture = Presets.mlp(List.of(1, 8, 8), List.of(64), 4,
				Activation.of(Activation.Function.RELU), new DecoderHead.Bernoulli(), 1.0);
		// where the overfitting run with patience 3 stops: three epochs past its best
		int[] stopped = { 0 };
		new Trainer(overfitting(3), new Trainer.Listener() {
			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				stopped[0] = metrics.epoch();
			}
		}).train(Network.initialise(architecture, DataType.FLOAT, 2), train, validation);
		// the same run for that many epochs with patience to spare
		Network network = Network.initialise(architecture, DataType.FLOAT, 2);
		List<Trainer.EpochMetrics> epochs = new ArrayList<>();
		List<float[]> parameters = new ArrayList<>();
		Trainer.Settings settings = new Trainer.Settings(stopped[0], 8, 0.05, 3,
				new TrainingOptions(null, 0, 100, null, 0));
		Trainer.EpochMetrics result = new Trainer(settings, new Trainer.Listener() {
			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				epochs.add(metrics);
				parameters.add(network.parametersAsFloats());
			}
		}).train(network, train, validation);
		Trainer.EpochMetrics best = epochs.stream()
			.min(java.util.Comparator.comparingDouble(Trainer.EpochMetrics::validationNegElbo))
			.orElseThrow();
		assertThat(epochs).hasSize(stopped[0]);
		assertThat(best.epoch()).isEqualTo(stopped[0] - 3);
		assertThat(result).isSameAs(best);
		assertThat(network.parametersAsFloats()).containsExactly(parameters.get(best.epoch() - 1));
	}

	@Test
	void aRunResumedFromACheckpointStopsWhereTheUninterruptedOneStops(@TempDir Path dir) {
		Examples train = ModelFixtures.tinyBars(16, 1);
		Examples validation = ModelFixtures.tinyBars(128, 2);
		Architecture architecture = Presets.mlp(List.of(1, 8, 8), List.of(64), 4,
				Activation.of(Activation.Function.RELU), new DecoderHead.Bernoulli(), 1.0);
		Network whole = Network.initialise(architecture, DataType.FLOAT, 2);
		List<Trainer.State> states = new ArrayList<>();
		List<Path> files = new ArrayList<>();
		Trainer.EpochMetrics uninterrupted = new Trainer(overfitting(3), new Trainer.Listener() {
			@Override
			public void onCheckpoint(Trainer.State state) {
				Path file = dir.resolve("state-" + states.size() + ".zip");
				try {
					TrainingCheckpoint.write(file, Manifest.draft("t", architecture, null, null), whole, state);
				}
				catch (java.io.IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
				states.add(state);
				files.add(file);
			}
		}).train(whole, train, validation);
		int stoppedAt = states.size();
		assertThat(states.get(stoppedAt - 1).complete(40)).isTrue();
		// from the checkpoint one epoch after the best one: early stopping's memory must
		// come back with it
		int from = uninterrupted.epoch();
		Trainer.State saved = states.get(from - 1);
		assertThat(saved.earlyStop().sinceBest()).isEqualTo(0);
		TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.read(files.get(from), 1_000_000);
		assertThat(loaded.state().earlyStop().sinceBest()).isEqualTo(1);
		assertThat(loaded.state().earlyStop().parameters()).containsExactly(saved.earlyStop().parameters());
		Trainer.EpochMetrics resumed = new Trainer(overfitting(3), new Trainer.Listener() {
		}).train(loaded.network(), train, validation, loaded.state());
		assertThat(resumed).usingRecursiveComparison().ignoringFields("seconds").isEqualTo(uninterrupted);
		assertThat(loaded.network().parametersAsFloats()).containsExactly(whole.parametersAsFloats());

		// and a stopped run read back does not train again
		TrainingCheckpoint.Loaded end = TrainingCheckpoint.read(files.get(stoppedAt - 1), 1_000_000);
		assertThat(end.state().complete(40)).isTrue();
		assertThat(new Trainer(overfitting(3), new Trainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				throw new AssertionError("a stopped run took a step");
			}
		}).train(end.network(), train, validation, end.state())).usingRecursiveComparison().isEqualTo(uninterrupted);
		assertThat(end.network().parametersAsFloats()).containsExactly(whole.parametersAsFloats());
	}

	@Test
	void trainingCheckpointsOfFormatOneStillReadAndABestCopyThatDoesNotMatchIsRefused(@TempDir Path dir)
			throws Exception {
		Examples train = ModelFixtures.twoPatterns(32, 1);
		Architecture architecture = aTinyMlp(2, 5, 1.0);
		Network network = Network.initialise(architecture, DataType.FLOAT, 7);
		List<Trainer.State> states = new ArrayList<>();
		new Trainer(new Trainer.Settings(2, 16, 0.01, 5, new TrainingOptions(null, 0, 5, null, 0)),
				new Trainer.Listener() {
					@Override
					public void onCheckpoint(Trainer.State state) {
						states.add(state);
					}
				})
			.train(network, train, train);
		Trainer.State state = states.get(1);
		assertThat(state.earlyStop()).isNotNull();
		Path file = dir.resolve("run.ckpt");
		TrainingCheckpoint.write(file, Manifest.draft("t", architecture, null, null), network, state);
		assertThat(TrainingCheckpoint.read(file, 10_000).state().earlyStop().best().epoch())
			.isEqualTo(state.earlyStop().best().epoch());

		// format 1: no early stopping in its state, no best arrays
		Path formatOne = dir.resolve("one.ckpt");
		rewrite(file, formatOne, (name, bytes) -> {
			if (name.startsWith("best-")) {
				return null;
			}
			if (name.equals("state.json")) {
				com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON
					.readTree(bytes);
				json.put("formatVersion", 1);
				json.remove("earlyStop");
				return JSON.writeValueAsBytes(json);
			}
			return bytes;
		});
		TrainingCheckpoint.Loaded old = TrainingCheckpoint.read(formatOne, 10_000);
		assertThat(old.state().earlyStop()).isNull();
		assertThat(old.state().epoch()).isEqualTo(3);

		// a best copy changed after it was written
		Path tampered = dir.resolve("tampered.ckpt");
		rewrite(file, tampered, (name, bytes) -> {
			if (name.equals("best-parameters.f32")) {
				bytes[0] ^= 1;
			}
			return bytes;
		});
		assertThatThrownBy(() -> TrainingCheckpoint.read(tampered, 10_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("best-parameters.f32");
	}

	private interface Entry {

		byte[] map(String name, byte[] bytes) throws java.io.IOException;

	}

	/** Copies a zip, each entry through {@code entry} (null drops it). */
	private static void rewrite(Path from, Path to, Entry entry) throws java.io.IOException {
		try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(
				java.nio.file.Files.newInputStream(from));
				java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(
						java.nio.file.Files.newOutputStream(to))) {
			for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				byte[] bytes = entry.map(e.getName(), in.readAllBytes());
				if (bytes != null) {
					out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
					out.write(bytes);
					out.closeEntry();
				}
			}
		}
	}

}

package dev.vae.model.checkpoint;

import dev.vae.model.Examples;
import dev.vae.model.ModelFixtures;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.model.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import static dev.vae.model.ModelFixtures.aTinyArchitecture;
import static dev.vae.model.ModelFixtures.twoPatterns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run saved mid-epoch to a training checkpoint, read back into a new network and
 * continued, ends with exactly the parameters, running statistics and metrics of the same
 * run never interrupted.
 */
class TrainingCheckpointTests {

	@TempDir
	Path dir;

	@Test
	void anMlpRunResumedMidEpochFromAFileEqualsTheUninterruptedRun() throws IOException {
		resumedEqualsUninterrupted(Presets.of(aTinyArchitecture()), twoPatterns(100, 1), twoPatterns(30, 2), 4);
	}

	@Test
	void aConvRunWithBatchNormResumedMidEpochEqualsTheUninterruptedRun() throws IOException {
		resumedEqualsUninterrupted(ModelFixtures.aTinyConvVae(), ModelFixtures.tinyBars(70, 1),
				ModelFixtures.tinyBars(20, 2), 3);
	}

	private void resumedEqualsUninterrupted(Architecture architecture, Examples train, Examples validation,
			int saveAtStep) throws IOException {
		Trainer.Settings settings = new Trainer.Settings(3, 16, 0.01, 5);
		Network whole = Network.initialise(architecture, DataType.FLOAT, 3);
		List<Trainer.EpochMetrics> wholeEpochs = new ArrayList<>();
		Trainer.EpochMetrics wholeLast = new Trainer(settings, epochs(wholeEpochs)).train(whole, train, validation);

		// the same run, saved at global step saveAtStep of epoch 2 and then stopped
		Path file = this.dir.resolve("run.train");
		Network first = Network.initialise(architecture, DataType.FLOAT, 3);
		int stepsPerEpoch = (train.count() + 15) / 16;
		long saveAt = stepsPerEpoch + saveAtStep;
		List<Trainer.State> saved = new ArrayList<>();
		assertThatThrownBy(() -> new Trainer(settings, new Trainer.Listener() {
			@Override
			public boolean checkpointDue(int epoch, long step) {
				return step == saveAt;
			}

			@Override
			public void onCheckpoint(Trainer.State state) {
				if (state.step() > 0) {
					try {
						TrainingCheckpoint.write(file, Manifest.draft("run", architecture, null, null), first, state);
					}
					catch (IOException ex) {
						throw new java.io.UncheckedIOException(ex);
					}
					saved.add(state);
				}
			}

			@Override
			public boolean cancelled() {
				return !saved.isEmpty();
			}
		}).train(first, train, validation)).isInstanceOf(Trainer.CancelledException.class);
		// the network went on being used after the save: only the file counts
		assertThat(saved).hasSize(1);

		TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.read(file, 1_000_000);
		assertThat(loaded.state().epoch()).isEqualTo(2);
		assertThat(loaded.state().step()).isEqualTo(saveAtStep);
		assertThat(loaded.state().adamSteps()).isEqualTo(saveAt);
		assertThat(loaded.state().last()).usingRecursiveComparison()
			.ignoringFields("seconds")
			.isEqualTo(wholeEpochs.get(0));
		List<Trainer.EpochMetrics> resumedEpochs = new ArrayList<>();
		Trainer.EpochMetrics resumedLast = new Trainer(settings, epochs(resumedEpochs)).train(loaded.network(), train,
				validation, loaded.state());

		assertThat(loaded.network().parametersAsFloats()).containsExactly(whole.parametersAsFloats());
		assertThat(loaded.network().buffersAsFloats()).containsExactly(whole.buffersAsFloats());
		assertThat(resumedEpochs).hasSize(2);
		assertThat(resumedLast.validationNegElbo()).isEqualTo(wholeLast.validationNegElbo());
		assertThat(resumedLast.trainNegElbo()).isEqualTo(wholeLast.trainNegElbo());
		assertThat(resumedEpochs.get(0).trainNegElbo()).isEqualTo(wholeEpochs.get(1).trainNegElbo());
	}

	@Test
	void aCompleteRunResumesToItsLastMetricsWithoutTraining() throws IOException {
		Examples train = twoPatterns(40, 1);
		Trainer.Settings settings = new Trainer.Settings(2, 16, 0.01, 5);
		Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
		List<Trainer.State> states = new ArrayList<>();
		Trainer.EpochMetrics last = new Trainer(settings, new Trainer.Listener() {
			@Override
			public void onCheckpoint(Trainer.State state) {
				states.add(state);
			}
		}).train(network, train, train);
		assertThat(states).hasSize(2);
		Trainer.State end = states.get(1);
		assertThat(end.complete(2)).isTrue();
		float[] before = network.parametersAsFloats();
		List<Trainer.EpochMetrics> more = new ArrayList<>();
		assertThat(new Trainer(settings, epochs(more)).train(network, train, train, end)).isEqualTo(last);
		assertThat(more).isEmpty();
		assertThat(network.parametersAsFloats()).containsExactly(before);
	}

	@Test
	void aStateThatDoesNotFitTheRunIsRefused() {
		Examples train = twoPatterns(40, 1);
		Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
		int n = network.parametersAsFloats().length;
		// 3 steps an epoch: epoch 2, step 1 is 4 updates, not 9
		Trainer.State state = new Trainer.State(2, 1, new float[n], new float[n], 9, 0, 0, 0, null);
		assertThatThrownBy(() -> new Trainer(new Trainer.Settings(3, 16, 0.01, 5), new Trainer.Listener() {
		}).train(network, train, train, state)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("does not fit");
	}

	@Test
	void aTamperedMomentIsACorruptCheckpoint() throws IOException {
		Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
		int n = network.parametersAsFloats().length;
		Path file = this.dir.resolve("run.train");
		float[] m = new float[n];
		m[0] = 0.5f;
		TrainingCheckpoint.write(file, Manifest.draft("run", network.architecture(), null, null), network,
				new Trainer.State(1, 2, m, new float[n], 2, 1, 1, 1, null));
		assertThat(TrainingCheckpoint.read(file, 1_000_000).state().adamM()).containsExactly(m);
		// the same archive with one moment changed
		Path tampered = this.dir.resolve("tampered.train");
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
				ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tampered))) {
			for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
				byte[] bytes = in.readAllBytes();
				if (entry.getName().equals("adam-m.f32")) {
					bytes[0] ^= 1;
				}
				out.putNextEntry(new ZipEntry(entry.getName()));
				out.write(bytes);
				out.closeEntry();
			}
		}
		assertThatThrownBy(() -> TrainingCheckpoint.read(tampered, 1_000_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("adam-m.f32 does not match");
	}

	private static Trainer.Listener epochs(List<Trainer.EpochMetrics> into) {
		return new Trainer.Listener() {
			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				into.add(metrics);
			}
		};
	}

}

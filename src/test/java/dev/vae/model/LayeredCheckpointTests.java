package dev.vae.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LayeredCheckpointTests {

	private static final Path DEFAULT_CHECKPOINT = Path.of("src/main/resources/models/default.vae");

	@TempDir
	Path dir;

	@Test
	void theShippedFormatOneDefaultLoadsThroughBothReadersWithTheSameResults() {
		Checkpoint.Loaded old = Checkpoint.read(DEFAULT_CHECKPOINT, 10_000_000);
		LayeredCheckpoint.Loaded layered = LayeredCheckpoint.read(DEFAULT_CHECKPOINT, 10_000_000);
		assertThat(old.manifest().formatVersion()).isEqualTo(1);
		assertThat(layered.manifest().formatVersion()).isEqualTo(1);
		assertThat(layered.manifest().parametersSha256()).isEqualTo(old.manifest().parametersSha256());
		assertThat(layered.network().architecture()).isEqualTo(Presets.of(old.manifest().architecture()));
		assertThat(layered.passes()).isSameAs(layered.formatOne());
		assertThat(layered.formatOne().parametersAsFloats()).containsExactly(old.network().parametersAsFloats());
		double[][] x = randomRows(5, old.network().architecture().inputLength(), 1);
		Encoding a = old.network().encode(x);
		Encoding b = layered.network().encode(x);
		double[][] z = randomRows(5, old.network().architecture().latentSize(), 2);
		double[][] etaA = old.network().decodeLogits(z);
		double[][] etaB = layered.network().decodeLogits(z);
		for (int i = 0; i < x.length; i++) {
			assertThat(b.mu()[i]).containsExactly(a.mu()[i], within(1e-5));
			assertThat(b.logvar()[i]).containsExactly(a.logvar()[i], within(1e-5));
			assertThat(etaB[i]).containsExactly(etaA[i], within(1e-4));
		}
	}

	@Test
	void theMlpFormOfAFormatOneNetworkIsTheSameFunctionInDoublePrecision() {
		for (Likelihood likelihood : Likelihood.values()) {
			Architecture architecture = Architecture.mirrored(List.of(6), List.of(5, 4), 2, ActivationKind.LEAKY_RELU,
					likelihood, 0.4, 1.3);
			VaeNetwork old = VaeNetwork.initialise(architecture, DataType.DOUBLE, 8);
			LayeredNetwork layered = LayeredNetwork.of(old);
			double[][] x = randomRows(3, 6, 4);
			double[][] eps = randomRows(3, 2, 5);
			VaeNetwork.BatchLoss a = old.lossAndGradient(Nd4j.create(x), Nd4j.create(eps), old.newGradient());
			VaeNetwork.BatchLoss b = layered.lossAndGradient(Nd4j.create(x), Nd4j.create(eps), layered.newGradient());
			assertThat(b.reconstruction()).as(likelihood.name()).isCloseTo(a.reconstruction(), within(1e-10));
			assertThat(b.kl()).isCloseTo(a.kl(), within(1e-12));
			assertThat(layered.encode(x).mu()[2]).containsExactly(old.encode(x).mu()[2], within(1e-14));
		}
	}

	@Test
	void formatTwoKeepsTheLayersEveryParameterAndTheRunningStatistics() throws IOException {
		LayeredArchitecture architecture = Presets.conv(List.of(1, 8, 8), List.of(3, 4), 2,
				new DecoderHead.LearnedGaussian(OutputActivation.SIGMOID), 1);
		LayeredNetwork network = LayeredNetwork.initialise(architecture, DataType.FLOAT, 3);
		// one training pass moves the running statistics off their initial values
		network.lossAndGradient(Nd4j.create(randomRows(4, 64, 6)).castTo(DataType.FLOAT),
				Nd4j.create(randomRows(4, 2, 7)).castTo(DataType.FLOAT), network.newGradient());
		Path file = this.dir.resolve("conv.vae");
		LayeredManifest written = LayeredCheckpoint.write(file, aDraft(architecture), network);
		LayeredCheckpoint.Loaded loaded = LayeredCheckpoint.read(file, 1_000_000);
		assertThat(loaded.manifest()).isEqualTo(written);
		assertThat(loaded.passes()).isSameAs(loaded.network());
		assertThat(written.formatVersion()).isEqualTo(2);
		assertThat(loaded.network().architecture()).isEqualTo(architecture);
		assertThat(loaded.network().parametersAsFloats()).containsExactly(network.parametersAsFloats());
		assertThat(network.buffersAsFloats()).hasSize((int) architecture.bufferCount())
			.isNotEqualTo(LayeredNetwork.initialise(architecture, DataType.FLOAT, 3).buffersAsFloats());
		assertThat(loaded.network().buffersAsFloats()).containsExactly(network.buffersAsFloats());
		double[][] x = randomRows(2, 64, 8);
		assertThat(loaded.network().encode(x).mu()[1]).containsExactly(network.encode(x).mu()[1]);
		assertThatThrownBy(() -> Checkpoint.read(file, 1_000_000))
			.hasMessageContaining("has format version 2; this service reads version 1");
	}

	@Test
	void aFlippedRunningStatisticFailsItsChecksum() throws IOException {
		LayeredArchitecture architecture = Presets.conv(List.of(1, 8, 8), List.of(3), 2, new DecoderHead.Bernoulli(),
				1);
		Path file = this.dir.resolve("m.vae");
		LayeredCheckpoint.write(file, aDraft(architecture), LayeredNetwork.initialise(architecture, DataType.FLOAT, 3));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
				ZipOutputStream zip = new ZipOutputStream(out)) {
			ZipEntry entry;
			while ((entry = in.getNextEntry()) != null) {
				byte[] bytes = in.readAllBytes();
				if (entry.getName().equals("buffers.f32")) {
					bytes[5] ^= 0x10;
				}
				zip.putNextEntry(new ZipEntry(entry.getName()));
				zip.write(bytes);
				zip.closeEntry();
			}
		}
		assertThatThrownBy(
				() -> LayeredCheckpoint.read(new ByteArrayInputStream(out.toByteArray()), "flipped", 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessage("checkpoint flipped is corrupt: buffers.f32 does not match the checksum in the manifest");
	}

	@Test
	void aLayerThatDoesNotFitIsReportedWithItsPlace() throws IOException {
		LayeredArchitecture architecture = Presets.conv(List.of(1, 8, 8), List.of(3), 2, new DecoderHead.Bernoulli(),
				1);
		Path file = this.dir.resolve("m.vae");
		LayeredCheckpoint.write(file, aDraft(architecture), LayeredNetwork.initialise(architecture, DataType.FLOAT, 3));
		String json;
		try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file))) {
			in.getNextEntry();
			json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		String bad = json.replaceFirst("\"kernel\" : 3", "\"kernel\" : 11");
		assertThat(bad).isNotEqualTo(json);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(out)) {
			zip.putNextEntry(new ZipEntry("manifest.json"));
			zip.write(bad.getBytes(StandardCharsets.UTF_8));
			zip.closeEntry();
		}
		assertThatThrownBy(() -> LayeredCheckpoint.read(new ByteArrayInputStream(out.toByteArray()), "bad", 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessage("checkpoint bad is corrupt: the manifest is not valid: "
					+ "encoder layer 0: conv2d: input 1×8×8 padded by 1 is smaller than the kernel 11");
	}

	private static LayeredManifest aDraft(LayeredArchitecture architecture) {
		return LayeredManifest.draft("tiny conv", architecture,
				new Manifest.TrainingInfo("noise", 4, 0, 1, 4, 0.01, 3, 0.1), new Manifest.Metrics(1, 2, 3, 4, 5));
	}

	static double[][] randomRows(int n, int d, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		double[][] rows = new double[n][d];
		for (double[] row : rows) {
			for (int j = 0; j < d; j++) {
				row[j] = random.nextDouble();
			}
		}
		return rows;
	}

}

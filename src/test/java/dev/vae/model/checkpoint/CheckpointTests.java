package dev.vae.model.checkpoint;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;

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

import static dev.vae.model.ModelFixtures.randomRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTests {

	private static final Path DEFAULT_CHECKPOINT = Path.of("src/main/resources/models/default.vae");

	@TempDir
	Path dir;

	/**
	 * What the format-1 network class answered for the shipped default model before it
	 * was replaced by the converted mlp preset: μ, log σ² and η as float32 for inputs and
	 * z drawn as in {@link #goldenInputs} (written by that class, commit eb4be34).
	 */
	private static final Path GOLDEN = Path.of("src/test/resources/format1-default-golden.json");

	@Test
	void theShippedFormatOneDefaultAnswersBitForBitAsTheFormatOneNetworkDid() throws IOException {
		FormatOneCheckpoint.Loaded old = FormatOneCheckpoint.read(DEFAULT_CHECKPOINT, 10_000_000);
		Checkpoint.Loaded layered = Checkpoint.read(DEFAULT_CHECKPOINT, 10_000_000);
		assertThat(old.manifest().formatVersion()).isEqualTo(1);
		assertThat(layered.manifest().formatVersion()).isEqualTo(1);
		assertThat(layered.manifest().parametersSha256()).isEqualTo(old.manifest().parametersSha256());
		assertThat(layered.network().architecture()).isEqualTo(Presets.of(old.manifest().architecture()));
		com.fasterxml.jackson.databind.JsonNode golden = new com.fasterxml.jackson.databind.ObjectMapper()
			.readTree(GOLDEN.toFile());
		double[][][] inputs = goldenInputs(784, 20);
		// the network itself; serving sums few rows in another order
		// (NetworkServingTests)
		Encoding q = layered.network().encode(inputs[0]);
		double[][] eta = layered.network().decodeLogits(inputs[1]);
		for (int i = 0; i < 3; i++) {
			assertThat(floats(q.mu()[i])).as("mu row %d", i).containsExactly(floats(golden.get("mu").get(i)));
			assertThat(floats(q.logvar()[i])).as("logvar row %d", i)
				.containsExactly(floats(golden.get("logvar").get(i)));
			assertThat(floats(eta[i])).as("eta row %d", i).containsExactly(floats(golden.get("eta").get(i)));
		}
	}

	/** Three inputs of 4-decimal values from seed 1 and three z ~ N(0, I) from seed 2. */
	private static double[][][] goldenInputs(int d, int k) {
		java.util.SplittableRandom r = new java.util.SplittableRandom(1);
		double[][] x = new double[3][d];
		for (double[] row : x) {
			for (int j = 0; j < d; j++) {
				row[j] = Math.round(r.nextDouble() * 1e4) / 1e4;
			}
		}
		java.util.SplittableRandom g = new java.util.SplittableRandom(2);
		double[][] z = new double[3][k];
		for (double[] row : z) {
			for (int j = 0; j < k; j++) {
				row[j] = g.nextGaussian();
			}
		}
		return new double[][][] { x, z };
	}

	private static float[] floats(double[] values) {
		float[] floats = new float[values.length];
		for (int i = 0; i < values.length; i++) {
			floats[i] = (float) values[i];
		}
		return floats;
	}

	private static float[] floats(com.fasterxml.jackson.databind.JsonNode values) {
		float[] floats = new float[values.size()];
		for (int i = 0; i < floats.length; i++) {
			floats[i] = (float) values.get(i).asDouble();
		}
		return floats;
	}

	@Test
	void formatTwoKeepsTheLayersEveryParameterAndTheRunningStatistics() throws IOException {
		Architecture architecture = Presets.conv(List.of(1, 8, 8), List.of(3, 4), 2,
				new DecoderHead.LearnedGaussian(OutputActivation.SIGMOID), 1);
		Network network = Network.initialise(architecture, DataType.FLOAT, 3);
		// one training pass moves the running statistics off their initial values
		network.lossAndGradient(Nd4j.create(randomRows(4, 64, 6)).castTo(DataType.FLOAT),
				Nd4j.create(randomRows(4, 2, 7)).castTo(DataType.FLOAT), network.newGradient());
		Path file = this.dir.resolve("conv.vae");
		Manifest written = Checkpoint.write(file, aDraft(architecture), network);
		Checkpoint.Loaded loaded = Checkpoint.read(file, 1_000_000);
		assertThat(loaded.manifest()).isEqualTo(written);
		assertThat(loaded.passes()).isSameAs(loaded.network());
		assertThat(written.formatVersion()).isEqualTo(2);
		assertThat(loaded.network().architecture()).isEqualTo(architecture);
		assertThat(loaded.network().parametersAsFloats()).containsExactly(network.parametersAsFloats());
		assertThat(network.buffersAsFloats()).hasSize((int) architecture.bufferCount())
			.isNotEqualTo(Network.initialise(architecture, DataType.FLOAT, 3).buffersAsFloats());
		assertThat(loaded.network().buffersAsFloats()).containsExactly(network.buffersAsFloats());
		double[][] x = randomRows(2, 64, 8);
		assertThat(loaded.network().encode(x).mu()[1]).containsExactly(network.encode(x).mu()[1]);
		assertThatThrownBy(() -> FormatOneCheckpoint.read(file, 1_000_000))
			.hasMessageContaining("has format version 2; this service reads version 1");
	}

	@Test
	void aFlippedRunningStatisticFailsItsChecksum() throws IOException {
		Architecture architecture = Presets.conv(List.of(1, 8, 8), List.of(3), 2, new DecoderHead.Bernoulli(), 1);
		Path file = this.dir.resolve("m.vae");
		Checkpoint.write(file, aDraft(architecture), Network.initialise(architecture, DataType.FLOAT, 3));
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
		assertThatThrownBy(() -> Checkpoint.read(new ByteArrayInputStream(out.toByteArray()), "flipped", 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessage("checkpoint flipped is corrupt: buffers.f32 does not match the checksum in the manifest");
	}

	@Test
	void aLayerThatDoesNotFitIsReportedWithItsPlace() throws IOException {
		Architecture architecture = Presets.conv(List.of(1, 8, 8), List.of(3), 2, new DecoderHead.Bernoulli(), 1);
		Path file = this.dir.resolve("m.vae");
		Checkpoint.write(file, aDraft(architecture), Network.initialise(architecture, DataType.FLOAT, 3));
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
		assertThatThrownBy(() -> Checkpoint.read(new ByteArrayInputStream(out.toByteArray()), "bad", 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessage("checkpoint bad is corrupt: the manifest is not valid: "
					+ "encoder layer 0: conv2d: input 1×8×8 padded by 1 is smaller than the kernel 11");
	}

	private static Manifest aDraft(Architecture architecture) {
		return Manifest.draft("tiny conv", architecture, new Manifest.TrainingInfo("noise", 4, 0, 1, 4, 0.01, 3, 0.1),
				new Manifest.Metrics(1, 2, 3, 4, 5));
	}

}

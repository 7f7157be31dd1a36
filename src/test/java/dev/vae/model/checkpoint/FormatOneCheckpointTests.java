package dev.vae.model.checkpoint;

import dev.vae.model.ModelFixtures;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.vae.model.ModelFixtures.aTinyArchitecture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FormatOneCheckpointTests {

	@TempDir
	Path dir;

	private FormatOneManifest aDraft() {
		return FormatOneManifest.draft("tiny", aTinyArchitecture(),
				new Manifest.TrainingInfo("two patterns", 10, 5, 1, 5, 0.01, 3, 0.1),
				new Manifest.Metrics(4.0, 4.1, 3.0, 1.1, 4.5));
	}

	@Test
	void roundTripKeepsEveryParameterAndTheManifest() throws IOException {
		float[] parameters = floats(ModelFixtures.formatOneParameters(aTinyArchitecture(), 3));
		Path file = this.dir.resolve("m.vae");
		FormatOneManifest written = FormatOneFixtures.writeFormatOne(file, aDraft(), parameters);
		FormatOneCheckpoint.Loaded loaded = FormatOneCheckpoint.read(file, 1_000_000);
		assertThat(loaded.parameters()).containsExactly(parameters);
		assertThat(loaded.manifest()).isEqualTo(written);
		assertThat(written.parameterCount()).isEqualTo(aTinyArchitecture().parameterCount());
		assertThat(written.parametersSha256()).hasSize(64);
		try (var files = Files.list(this.dir)) {
			assertThat(files).containsExactly(file);
		}
	}

	@Test
	void aMissingFileIsNamed() {
		assertThatThrownBy(() -> FormatOneCheckpoint.read(this.dir.resolve("nope.vae"), 1000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("nope.vae does not exist");
	}

	@Test
	void aTruncatedFileIsCorrupt() throws IOException {
		Path file = this.dir.resolve("m.vae");
		FormatOneFixtures.writeFormatOne(file, aDraft(), 3);
		byte[] bytes = Files.readAllBytes(file);
		Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
		assertThatThrownBy(() -> FormatOneCheckpoint.read(file, 1_000_000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("m.vae");
	}

	@Test
	void aFlippedParameterBitFailsTheChecksum() throws IOException {
		float[] parameters = floats(ModelFixtures.formatOneParameters(aTinyArchitecture(), 3));
		FormatOneManifest manifest = FormatOneFixtures.writeFormatOne(this.dir.resolve("m.vae"), aDraft(), parameters);
		byte[] params = new byte[4 * (int) manifest.parameterCount()];
		java.nio.ByteBuffer.wrap(params).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(parameters);
		params[17] ^= 0x04;
		byte[] zip = zip(json(manifest), params);
		assertThatThrownBy(() -> FormatOneCheckpoint.read(new ByteArrayInputStream(zip), "flipped", 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessage("checkpoint flipped is corrupt: the parameters do not match the checksum in the manifest");
	}

	@Test
	void anotherFormatVersionIsRefusedByName() throws IOException {
		FormatOneManifest manifest = FormatOneFixtures.writeFormatOne(this.dir.resolve("m.vae"), aDraft(), 3);
		String json = json(manifest).replace("\"formatVersion\" : 1", "\"formatVersion\" : 99");
		assertThatThrownBy(
				() -> FormatOneCheckpoint.read(new ByteArrayInputStream(zip(json, new byte[0])), "v99", 1000))
			.isInstanceOf(CheckpointException.class)
			.hasMessage("checkpoint v99 has format version 99; this service reads version 1");
	}

	@Test
	void aManifestThatAsksForTooManyParametersIsRefusedBeforeReadingThem() throws IOException {
		FormatOneManifest manifest = FormatOneFixtures.writeFormatOne(this.dir.resolve("m.vae"), aDraft(), 3);
		assertThatThrownBy(
				() -> FormatOneCheckpoint.read(new ByteArrayInputStream(zip(json(manifest), new byte[0])), "big", 10))
			.hasMessageContaining("more than the configured limit of 10");
	}

	@Test
	void garbageIsNotACheckpoint() {
		byte[] garbage = "hello, not a zip".getBytes(StandardCharsets.UTF_8);
		assertThatThrownBy(() -> FormatOneCheckpoint.read(new ByteArrayInputStream(garbage), "garbage", 1000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("garbage is corrupt: it has no manifest.json");
	}

	@Test
	void anInvalidArchitectureIsReported() throws IOException {
		FormatOneManifest manifest = FormatOneFixtures.writeFormatOne(this.dir.resolve("m.vae"), aDraft(), 3);
		String json = json(manifest).replace("\"latentSize\" : 2", "\"latentSize\" : -2");
		assertThatThrownBy(
				() -> FormatOneCheckpoint.read(new ByteArrayInputStream(zip(json, new byte[0])), "bad", 1000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("latentSize must lie in");
	}

	@Test
	void entriesWithOtherNamesAreRefusedSoNoPathCanBeSmuggledIn() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(out)) {
			zip.putNextEntry(new ZipEntry("../../etc/passwd"));
			zip.write(1);
			zip.closeEntry();
		}
		assertThatThrownBy(() -> FormatOneCheckpoint.read(new ByteArrayInputStream(out.toByteArray()), "evil", 1000))
			.hasMessage("checkpoint evil is corrupt: unexpected entry '../../etc/passwd'");
	}

	@Test
	void aManifestThatDecompressesBeyondItsCapIsRefused() throws IOException {
		// 64 MiB of spaces compress to ~64 KiB: a small zip bomb, stopped at the 1 MiB
		// manifest cap
		byte[] bomb = new byte[64 << 20];
		java.util.Arrays.fill(bomb, (byte) ' ');
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(out)) {
			zip.putNextEntry(new ZipEntry(Checkpoint.MANIFEST));
			zip.write(bomb);
			zip.closeEntry();
		}
		assertThat(out.size()).isLessThan(1 << 20);
		assertThatThrownBy(() -> FormatOneCheckpoint.read(new ByteArrayInputStream(out.toByteArray()), "bomb", 1000))
			.hasMessage("checkpoint bomb is corrupt: manifest.json is larger than the 1048576 bytes expected");
	}

	/**
	 * The manifest JSON exactly as {@link ModelFixtures#writeFormatOne} stored it in
	 * m.vae.
	 */
	private String json(FormatOneManifest manifest) throws IOException {
		try (var zip = new java.util.zip.ZipInputStream(Files.newInputStream(this.dir.resolve("m.vae")))) {
			zip.getNextEntry();
			return new String(zip.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private static byte[] zip(String manifest, byte[] params) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(out)) {
			zip.putNextEntry(new ZipEntry(Checkpoint.MANIFEST));
			zip.write(manifest.getBytes(StandardCharsets.UTF_8));
			zip.closeEntry();
			zip.putNextEntry(new ZipEntry(Checkpoint.PARAMETERS));
			zip.write(params);
			zip.closeEntry();
		}
		return out.toByteArray();
	}

	private static float[] floats(double[] values) {
		float[] floats = new float[values.length];
		for (int i = 0; i < values.length; i++) {
			floats[i] = (float) values[i];
		}
		return floats;
	}

}

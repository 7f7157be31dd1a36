package dev.vae.model.interop;

import dev.vae.model.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Telling the formats apart, and refusing pickles before anything else. */
class ModelImportTests {

	@TempDir
	Path dir;

	@Test
	void barePicklesOfEveryProtocolAreRefusedWithTheReason() throws IOException {
		for (int protocol = 2; protocol <= 5; protocol++) {
			Path file = this.dir.resolve("p" + protocol + ".pt");
			Files.write(file, new byte[] { (byte) 0x80, (byte) protocol, 'c', 'o', 's', '\n' });
			assertThatThrownBy(() -> ModelImport.read(file, null, 1000)).isInstanceOf(CheckpointException.class)
				.hasMessageContaining("pickles are refused because loading one runs code");
		}
	}

	@Test
	void torchSaveZipsAreRefusedAsPicklesEvenWithDl4jEntries() throws IOException {
		Path file = zip("model.pt", "archive/data.pkl", "configuration.json", "coefficients.bin");
		assertThatThrownBy(() -> ModelImport.read(file, null, 1000)).isInstanceOf(CheckpointException.class)
			.hasMessageContaining("Python pickle");
	}

	@Test
	void otherZipsAreNamed() throws IOException {
		assertThatThrownBy(() -> ModelImport.read(zip("ours.vae", "manifest.json", "parameters.f32"), null, 1000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("upload it with POST /models");
		assertThatThrownBy(() -> ModelImport.read(zip("photos.zip", "a.png"), null, 1000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("neither a Deeplearning4j model");
	}

	private Path zip(String name, String... entries) throws IOException {
		Path file = this.dir.resolve(name);
		try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
			for (String entry : entries) {
				zip.putNextEntry(new ZipEntry(entry));
				zip.write(new byte[] { 1, 2, 3 });
			}
		}
		return file;
	}

}

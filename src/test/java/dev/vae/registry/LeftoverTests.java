package dev.vae.registry;

import dev.vae.VaeApplication;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Half-written files a killed upload or job left behind are gone after a restart;
 * complete files stay.
 */
class LeftoverTests {

	@TempDir
	Path storage;

	@Test
	void aRestartDeletesHalfWrittenFiles() throws Exception {
		Path models = Files.createDirectories(this.storage.resolve("models"));
		Path datasets = Files.createDirectories(this.storage.resolve("datasets"));
		Path halfModel = Files.write(models.resolve(".m-123.vae12345.tmp"), new byte[100]);
		Path halfDataset = Files.write(datasets.resolve(".d-123.f3267890.tmp"), new byte[100]);
		Path unrelated = Files.write(models.resolve("notes.txt"), new byte[1]);
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(VaeApplication.class)
			.run("--server.port=0", "--server.address=127.0.0.1", "--vae.storage.dir=" + this.storage)) {
			assertThat(halfModel).doesNotExist();
			assertThat(halfDataset).doesNotExist();
			assertThat(unrelated).exists();
			assertThat(models.resolve("default.vae")).exists();
		}
	}

}

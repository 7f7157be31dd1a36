package dev.vae.registry;

import dev.vae.VaeApplication;
import dev.vae.model.checkpoint.CheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A configured checkpoint that is missing or broken stops startup and says why. */
class StartupTests {

	@TempDir
	Path dir;

	private ConfigurableApplicationContext start(String checkpoint) {
		return new SpringApplicationBuilder(VaeApplication.class).run("--server.port=0", "--server.address=127.0.0.1",
				"--vae.model.checkpoint=" + checkpoint, "--vae.storage.dir=" + this.dir.resolve("storage"));
	}

	@Test
	void aMissingCheckpointStopsStartup() {
		String location = "file:" + this.dir.resolve("absent.vae");
		assertThatThrownBy(() -> start(location)).hasRootCauseInstanceOf(CheckpointException.class)
			.rootCause()
			.hasMessage("checkpoint " + location + " does not exist (set vae.model.checkpoint)");
	}

	@Test
	void aBrokenCheckpointStopsStartup() throws IOException {
		Path broken = Files.writeString(this.dir.resolve("broken.vae"), "this is not a checkpoint");
		assertThatThrownBy(() -> start("file:" + broken)).hasRootCauseInstanceOf(CheckpointException.class)
			.rootCause()
			.hasMessageContaining("broken.vae is corrupt");
	}

	@Test
	void aValidCheckpointFileServes() throws IOException {
		Path copy = this.dir.resolve("copy.vae");
		try (var in = StartupTests.class.getResourceAsStream("/models/default.vae")) {
			Files.copy(in, copy);
		}
		try (ConfigurableApplicationContext context = start(copy.toString())) {
			assertThat(context.getBean(ActiveModel.class).get().architecture().latentSize()).isEqualTo(20);
		}
	}

}

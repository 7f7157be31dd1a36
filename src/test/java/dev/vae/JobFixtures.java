package dev.vae;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.model.checkpoint.Checkpoint;

import java.io.ByteArrayInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Following jobs over HTTP and comparing what they trained. */
public final class JobFixtures {

	private JobFixtures() {
	}

	/**
	 * Polls {@code GET /jobs/{id}} (every 100 ms, up to {@code seconds}) until the job is
	 * in {@code status}; fails when it finishes otherwise.
	 */
	public static JsonNode waitFor(HttpFixture http, String job, String status, int seconds)
			throws InterruptedException {
		long deadline = System.nanoTime() + seconds * 1_000_000_000L;
		JsonNode view = http.get("/jobs/" + job).body();
		while (!view.get("status").asText().equals(status) && System.nanoTime() < deadline) {
			assertThat(view.get("status").asText()).as("job %s: %s", job, view.path("error").asText())
				.isIn("QUEUED", "RUNNING", "PAUSED");
			Thread.sleep(100);
			view = http.get("/jobs/" + job).body();
		}
		assertThat(view.get("status").asText()).as("job %s: %s", job, view.path("error").asText()).isEqualTo(status);
		return view;
	}

	/** Polls until the job has done at least {@code steps} minibatches. */
	public static JsonNode waitForStep(HttpFixture http, String job, long steps) throws InterruptedException {
		JsonNode view = http.get("/jobs/" + job).body();
		for (int i = 0; i < 6000 && view.at("/progress/step").asLong() < steps; i++) {
			assertThat(view.get("status").asText()).isIn("QUEUED", "RUNNING");
			Thread.sleep(10);
			view = http.get("/jobs/" + job).body();
		}
		assertThat(view.at("/progress/step").asLong()).isGreaterThanOrEqualTo(steps);
		return view;
	}

	/** The trainable parameters of model {@code id}, read from its checkpoint. */
	public static float[] parameters(HttpFixture http, String model) {
		byte[] checkpoint = http.bytes("/models/" + model + "/checkpoint");
		return Checkpoint.read(new ByteArrayInputStream(checkpoint), model, 100_000_000).network().parametersAsFloats();
	}

	/**
	 * Asserts each parameter of {@code actual} equals {@code expected}'s to 1e-5
	 * relative.
	 */
	public static void assertSameParameters(float[] actual, float[] expected) {
		assertThat(actual).hasSameSizeAs(expected);
		double worst = 0;
		for (int i = 0; i < actual.length; i++) {
			double scale = Math.max(Math.abs(expected[i]), 1e-6);
			worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
		}
		assertThat(worst).as("largest relative difference of a parameter").isLessThanOrEqualTo(1e-5);
	}

}

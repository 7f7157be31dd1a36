package dev.vae.system;

import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With API keys configured: state changes need a key, inference and reads stay open,
 * problems explain a 401.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.security.api-keys=first-key,second-key" })
class SecurityTests {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	@Test
	void stateChangesNeedAKeyAndInferenceDoesNot() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		HttpFixture.Answer denied = http.post("/datasets/shapes", Map.of("count", 10));
		assertThat(denied.status()).isEqualTo(401);
		assertThat(denied.body().get("type").asText()).isEqualTo("/problems/unauthorized");
		assertThat(denied.body().get("detail").asText()).contains("Bearer");
		assertThat(http.delete("/models/default").status()).isEqualTo(401);
		assertThat(http.post("/models/default/activate", "").status()).isEqualTo(401);

		var request = java.net.http.HttpRequest
			.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + "/datasets/shapes"))
			.header("Content-Type", "application/json")
			.POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"count\": 10}"));
		var client = java.net.http.HttpClient.newHttpClient();
		var wrongKey = client.send(request.copy().header("Authorization", "Bearer nope").build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(wrongKey.statusCode()).isEqualTo(401);
		assertThat(wrongKey.headers().firstValue("WWW-Authenticate")).contains("Bearer");
		var rightKey = client.send(request.copy().header("Authorization", "Bearer second-key").build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(rightKey.statusCode()).isEqualTo(201);

		double[] x = new double[784];
		assertThat(http.post("/encode", Map.of("inputs", new double[][] { x })).status()).isEqualTo(200);
		assertThat(http.post("/loss", Map.of("inputs", new double[][] { x })).status()).isEqualTo(200);
		assertThat(http.get("/models").status()).isEqualTo(200);
		assertThat(http.get("/v3/api-docs").body().at("/components/securitySchemes/apiKey/scheme").asText())
			.isEqualTo("bearer");
		var swagger = client.send(java.net.http.HttpRequest
			.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + "/swagger-ui/index.html"))
			.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(swagger.statusCode()).isEqualTo(200);
	}

	@Test
	void keysNeverAppearInTheSettingsDescription() {
		VaeProperties.Security security = new VaeProperties.Security(java.util.List.of("s3cret-key"), true);
		assertThat(security.toString()).doesNotContain("s3cret").contains("1 configured");
	}

}

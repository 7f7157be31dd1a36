package dev.vae.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Registers a checkpoint with a running service: {@code POST /models} with the file as
 * the body and the API key as {@code Authorization: Bearer}, as any client uploads one.
 */
final class ModelUpload {

	private ModelUpload() {
	}

	/**
	 * @return the new model version's id
	 */
	static String register(URI service, String apiKey, Path checkpoint) throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(service.resolve("/models"))
			.timeout(Duration.ofMinutes(5))
			.header("Content-Type", "application/octet-stream")
			.POST(HttpRequest.BodyPublishers.ofFile(checkpoint));
		if (apiKey != null && !apiKey.isBlank()) {
			request.header("Authorization", "Bearer " + apiKey);
		}
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(request.build(), HttpResponse.BodyHandlers.ofString());
		if (response.statusCode() != 201 && response.statusCode() != 200) {
			throw new IOException(
					"the service refused the checkpoint: HTTP " + response.statusCode() + " " + response.body());
		}
		JsonNode body = new ObjectMapper().readTree(response.body());
		if (!body.hasNonNull("id")) {
			throw new IOException("the service's answer names no model id: " + response.body());
		}
		return body.get("id").asText();
	}

}

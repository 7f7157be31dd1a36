package dev.vae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Real HTTP against a service started on a random port of 127.0.0.1. */
public final class HttpFixture {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final HttpClient client = HttpClient.newHttpClient();

	private final int port;

	public HttpFixture(int port) {
		this.port = port;
	}

	/** A response's status and parsed JSON body. */
	public record Answer(int status, JsonNode body) {
	}

	public Answer post(String path, Object body) {
		try {
			String json = (body instanceof String s) ? s : JSON.writeValueAsString(body);
			HttpRequest request = HttpRequest.newBuilder(uri(path))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(json))
				.build();
			return answer(this.client.send(request, HttpResponse.BodyHandlers.ofString()));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public Answer get(String path) {
		try {
			HttpRequest request = HttpRequest.newBuilder(uri(path)).GET().build();
			return answer(this.client.send(request, HttpResponse.BodyHandlers.ofString()));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	private static Answer answer(HttpResponse<String> response) throws IOException {
		String body = response.body();
		return new Answer(response.statusCode(), (body == null || body.isEmpty()) ? null : JSON.readTree(body));
	}

	/** A JSON array as doubles. */
	public static double[] doubles(JsonNode array) {
		double[] values = new double[array.size()];
		for (int i = 0; i < values.length; i++) {
			values[i] = array.get(i).asDouble();
		}
		return values;
	}

}

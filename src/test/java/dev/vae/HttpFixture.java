package dev.vae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;

/** Real HTTP against a service started on a port of 127.0.0.1. */
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
		return answer(raw("POST", path, body));
	}

	public Answer put(String path, Object body) {
		return answer(raw("PUT", path, body));
	}

	public Answer get(String path) {
		return answer(send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
	}

	public Answer delete(String path) {
		return answer(send(request(path).DELETE().build(), HttpResponse.BodyHandlers.ofString()));
	}

	/** POST with a raw body of the given content type. */
	public Answer postBytes(String path, byte[] body, String contentType) {
		return answer(send(request(path).header("Content-Type", contentType)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(), HttpResponse.BodyHandlers.ofString()));
	}

	public byte[] bytes(String path) {
		return send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body();
	}

	/** The lines of a Server-Sent Event stream until it ends (or {@code maxLines}). */
	public List<String> eventLines(String path, int maxLines) {
		HttpResponse<Stream<String>> response = send(request(path).header("Accept", "text/event-stream").GET().build(),
				HttpResponse.BodyHandlers.ofLines());
		try (Stream<String> lines = response.body()) {
			return lines.limit(maxLines).toList();
		}
	}

	/** A JSON request with any method; the response with its headers. */
	public HttpResponse<String> raw(String method, String path, Object body) {
		String json;
		try {
			json = (body instanceof String s) ? s : JSON.writeValueAsString(body);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return send(request(path).header("Content-Type", "application/json")
			.method(method, HttpRequest.BodyPublishers.ofString(json))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
	}

	private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
		try {
			return this.client.send(request, handler);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static Answer answer(HttpResponse<String> response) {
		String body = response.body();
		try {
			return new Answer(response.statusCode(), (body == null || body.isEmpty()) ? null : JSON.readTree(body));
		}
		catch (IOException ex) {
			throw new IllegalStateException("not JSON: " + body, ex);
		}
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

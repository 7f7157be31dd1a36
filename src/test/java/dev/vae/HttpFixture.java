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

	public Answer put(String path, Object body) {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.PUT(HttpRequest.BodyPublishers.ofString(json(body)))
			.build());
	}

	public Answer delete(String path) {
		return send(HttpRequest.newBuilder(uri(path)).DELETE().build());
	}

	/** POST with a raw body of the given content type. */
	public Answer postBytes(String path, byte[] body, String contentType) {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", contentType)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build());
	}

	public byte[] bytes(String path) {
		try {
			return this.client
				.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray())
				.body();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The lines of a Server-Sent Event stream until it ends (or {@code maxLines}). */
	public java.util.List<String> eventLines(String path, int maxLines) {
		try {
			HttpResponse<java.util.stream.Stream<String>> response = this.client.send(
					HttpRequest.newBuilder(uri(path)).header("Accept", "text/event-stream").GET().build(),
					HttpResponse.BodyHandlers.ofLines());
			try (java.util.stream.Stream<String> lines = response.body()) {
				return lines.limit(maxLines).toList();
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The headers of a response, with its status and body. */
	public HttpResponse<String> raw(String method, String path, Object body) {
		try {
			return this.client.send(HttpRequest.newBuilder(uri(path))
				.header("Content-Type", "application/json")
				.method(method, HttpRequest.BodyPublishers.ofString(json(body)))
				.build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static String json(Object body) {
		try {
			return (body instanceof String s) ? s : JSON.writeValueAsString(body);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private Answer send(HttpRequest request) {
		try {
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

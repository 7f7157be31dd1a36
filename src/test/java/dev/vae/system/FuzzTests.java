package dev.vae.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.TestStorage;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Throws thousands of generated malformed requests (seeded mutations of valid ones:
 * truncation, wrong types, NaN, huge numbers, nulls, unknown fields, deep nesting, wrong
 * content types, random bytes) at every endpoint over real HTTP: no 5xx, every error a
 * problem document, no hang, and a valid request is answered exactly as before.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.limits.max-request-body=64KB" })
class FuzzTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final String[] POISON = { "NaN", "1e999", "-1", "0", "\"x\"", "null", "[]", "{}", "true", "1e308",
			"-0.0", "2147483648", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "\"\\u0000\"",
			"1.5" };

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	private record Endpoint(String method, String path, String body) {
	}

	private static List<Endpoint> templates() throws Exception {
		double[] x = new double[784];
		x[100] = 1;
		String input = JSON.writeValueAsString(new double[][] { x });
		String z = JSON.writeValueAsString(new double[][] { new double[20] });
		return List.of(new Endpoint("POST", "/encode", "{\"inputs\":" + input + ",\"samples\":2,\"seed\":1}"),
				new Endpoint("POST", "/decode", "{\"z\":" + z + ",\"sample\":true,\"seed\":1}"),
				new Endpoint("POST", "/reconstruct", "{\"inputs\":" + input + ",\"latent\":\"sample\",\"seed\":1}"),
				new Endpoint("POST", "/sample", "{\"n\":2,\"seed\":1,\"temperature\":1.0}"),
				new Endpoint("POST", "/loss", "{\"inputs\":" + input + ",\"samples\":2,\"iwae_k\":3,\"seed\":1}"),
				new Endpoint("POST", "/score", "{\"inputs\":" + input + ",\"k\":3,\"fpr\":0.05,\"seed\":1}"),
				new Endpoint("POST", "/models/default/calibrate", "{\"dataset\":\"d-none\",\"k\":3}"),
				new Endpoint("POST", "/jobs", "{\"dataset\":\"d-none\",\"epochs\":1,\"hidden\":[8],\"latentSize\":2}"),
				new Endpoint("POST", "/datasets/shapes", "{\"count\":3,\"seed\":1}"),
				new Endpoint("PUT", "/models/active", "{\"id\":\"default\"}"),
				new Endpoint("POST", "/models", "not a checkpoint"),
				new Endpoint("GET", "/jobs?status=RUNNING&page=0&size=5", ""),
				new Endpoint("DELETE", "/jobs/j-none", ""), new Endpoint("GET", "/models/m-none", ""));
	}

	private static String mutate(String body, SplittableRandom random) {
		switch (random.nextInt(7)) {
			case 0:
				return body.substring(0, random.nextInt(body.length() + 1));
			case 1: {
				// replace one number with a poison value
				List<int[]> numbers = new ArrayList<>();
				java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?\\d+(\\.\\d+)?(e-?\\d+)?").matcher(body);
				while (m.find()) {
					numbers.add(new int[] { m.start(), m.end() });
				}
				if (numbers.isEmpty()) {
					return POISON[random.nextInt(POISON.length)];
				}
				int[] at = numbers.get(random.nextInt(numbers.size()));
				return body.substring(0, at[0]) + POISON[random.nextInt(POISON.length)] + body.substring(at[1]);
			}
			case 2:
				return body.replaceFirst("\\{", "{\"unexpected\":" + POISON[random.nextInt(POISON.length)] + ",");
			case 3: {
				// drop a field's value
				int colon = body.indexOf(':', random.nextInt(Math.max(1, body.length())));
				return (colon < 0) ? "{}" : body.substring(0, colon + 1) + POISON[random.nextInt(POISON.length)];
			}
			case 4: {
				byte[] bytes = new byte[random.nextInt(200)];
				random.nextBytes(bytes);
				return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
			}
			case 5:
				return body.replace("[", "[[").replace("]", "]]");
			default:
				return body.replaceAll("\"[a-z_]+\":", "\"" + (char) ('a' + random.nextInt(26)) + "\":");
		}
	}

	@Test
	void malformedRequestsNeverGetA5xx() throws Exception {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		String base = "http://127.0.0.1:" + this.port;
		String valid = "{\"inputs\":" + JSON.writeValueAsString(new double[][] { new double[784] }) + "}";
		String before = send(client, base, "POST", "/encode", valid, "application/json").body();

		SplittableRandom random = new SplittableRandom(2026);
		List<Endpoint> templates = templates();
		Map<Integer, Integer> statuses = new TreeMap<>();
		int requests = 3000;
		for (int i = 0; i < requests; i++) {
			Endpoint e = templates.get(random.nextInt(templates.size()));
			String body = mutate(e.body(), random);
			String type = switch (random.nextInt(10)) {
				case 0 -> "text/plain";
				case 1 -> "application/x-www-form-urlencoded";
				case 2 -> "multipart/form-data; boundary=zz";
				default -> e.path().equals("/models") ? "application/octet-stream" : "application/json";
			};
			System.out.println(
					"FUZZ " + i + " " + e.path() + " " + type + " " + body.substring(0, Math.min(body.length(), 300)));
			HttpResponse<String> response = send(client, base, e.method(), e.path(), body, type);
			statuses.merge(response.statusCode(), 1, Integer::sum);
			assertThat(response.statusCode()).as("%s %s %s with %s", e.method(), e.path(), type, body).isLessThan(500);
			if (response.statusCode() >= 400) {
				JsonNode problem = JSON.readTree(response.body());
				assertThat(problem.path("type").asText()).as(body).startsWith("/problems/");
				assertThat(problem.path("detail").asText()).doesNotContain("Exception").doesNotContain("java.");
			}
		}
		System.out.println("fuzz: " + requests + " requests, statuses " + statuses);
		assertThat(statuses.keySet()).allMatch((s) -> s < 500);
		assertThat(send(client, base, "POST", "/encode", valid, "application/json").body()).isEqualTo(before);
	}

	/**
	 * Image headers that lie (width, height, lengths, CRCs mutated), truncated and
	 * bit-flipped uploads of checkpoints and datasets, and URIs with encoded traversals,
	 * control characters and odd encodings: no 5xx, and every error a problem document.
	 */
	@Test
	void hostileImagesUploadsAndUrisNeverGetA5xx() throws Exception {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		String base = "http://127.0.0.1:" + this.port;
		SplittableRandom random = new SplittableRandom(11);
		Map<Integer, Integer> statuses = new TreeMap<>();
		byte[] png = dev.vae.HostileFiles.png(28, 28, 14);
		byte[] jpeg = encoded("jpeg");
		byte[] gif = encoded("gif");
		byte[] checkpoint = client
			.send(HttpRequest.newBuilder(URI.create(base + "/models/default/checkpoint")).build(),
					HttpResponse.BodyHandlers.ofByteArray())
			.body();
		byte[][] images = { png, jpeg, gif };
		String[] imageTypes = { "image/png", "image/jpeg", "image/gif" };
		for (int i = 0; i < 400; i++) {
			int kind = random.nextInt(images.length);
			byte[] image = corrupt(images[kind], random, 24);
			String path = new String[] { "/encode", "/reconstruct", "/loss" }[random.nextInt(3)];
			HttpResponse<String> response = sendBytes(client, base + path, imageTypes[random.nextInt(3)], image);
			check(response, statuses, path + " image " + i);
		}
		for (int i = 0; i < 60; i++) {
			byte[] upload = corrupt(checkpoint, random, checkpoint.length);
			check(sendBytes(client, base + "/models", "application/octet-stream", upload), statuses, "checkpoint " + i);
		}
		List<String> uris = List.of("/models/..%2f..%2fetc%2fpasswd", "/models/%00", "/models/%2e%2e/%2e%2e",
				"/model;jsessionid=1", "/models/%c0%ae%c0%ae", "/%2e/model", "/models/%252e%252e", "/models//default",
				"/models/\\..\\", "/jobs/%ff", "/datasets/%20", "/v2/models/%2e%2e/infer", "/encode?seed=%00",
				"/models/" + "%41".repeat(3000), "/swagger-ui/../../etc/passwd", "/actuator/../model");
		for (String uri : uris) {
			dev.vae.HostileFiles.RawResponse response = dev.vae.HostileFiles.raw(this.port,
					"GET " + uri + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
			statuses.merge(response.status(), 1, Integer::sum);
			assertThat(response.status()).as(uri).isLessThan(500);
			if (response.status() >= 400) {
				assertThat(response.contentType()).as(uri).startsWith("application/problem+json");
				assertThat(JSON.readTree(response.body()).path("type").asText()).as(uri).startsWith("/problems/");
			}
		}
		System.out.println("hostile fuzz: statuses " + statuses);
		assertThat(client
			.send(HttpRequest.newBuilder(URI.create(base + "/models")).build(), HttpResponse.BodyHandlers.ofString())
			.body()).contains("\"default\"");
	}

	/**
	 * {@code bytes} with a random mutation: truncated, bytes overwritten or a header
	 * field set huge.
	 */
	private static byte[] corrupt(byte[] bytes, SplittableRandom random, int headerBytes) {
		byte[] out = bytes.clone();
		switch (random.nextInt(4)) {
			case 0:
				return java.util.Arrays.copyOf(out, random.nextInt(out.length));
			case 1:
				for (int n = 1 + random.nextInt(4); n > 0; n--) {
					out[random.nextInt(out.length)] = (byte) random.nextInt(256);
				}
				return out;
			case 2: {
				// a size field near the start set to a large value
				int at = random.nextInt(Math.max(1, Math.min(headerBytes, out.length - 4)));
				out[at] = (byte) 0x7f;
				out[at + 1] = (byte) 0xff;
				return out;
			}
			default:
				byte[] noise = new byte[random.nextInt(64)];
				random.nextBytes(noise);
				byte[] joined = java.util.Arrays.copyOf(out, Math.min(out.length, 16) + noise.length);
				System.arraycopy(noise, 0, joined, Math.min(out.length, 16), noise.length);
				return joined;
		}
	}

	private static byte[] encoded(String format) throws java.io.IOException {
		java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(28, 28,
				java.awt.image.BufferedImage.TYPE_INT_RGB);
		image.setRGB(5, 5, 0xffffff);
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		javax.imageio.ImageIO.write(image, format, out);
		return out.toByteArray();
	}

	private static HttpResponse<String> sendBytes(HttpClient client, String url, String type, byte[] body)
			throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofSeconds(30))
			.header("Content-Type", type)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static void check(HttpResponse<String> response, Map<Integer, Integer> statuses, String what)
			throws Exception {
		statuses.merge(response.statusCode(), 1, Integer::sum);
		assertThat(response.statusCode()).as(what + ": " + response.body()).isLessThan(500);
		if (response.statusCode() >= 400) {
			JsonNode problem = JSON.readTree(response.body());
			assertThat(problem.path("type").asText()).as(what).startsWith("/problems/");
			assertThat(problem.path("detail").asText()).as(what).doesNotContain("Exception").doesNotContain("java.");
		}
	}

	/**
	 * The upload and job surfaces (issue 24): DL4J zips (mutated configuration.json,
	 * coefficients.bin headers that lie, zeros past the declared size, truncated
	 * archives), ImageFolder zips (long, nested, hostile and many class folders, images
	 * that are not images or lie in their headers), CSV headers and shape fields (huge,
	 * negative, overflowing products) and job specs (random layer lists, sizes and
	 * settings): no 5xx, every error a problem document, nothing over its column.
	 */
	@Test
	void hostileZipsCsvsAndJobSpecsNeverGetA5xx(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
			throws Exception {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		String base = "http://127.0.0.1:" + this.port;
		SplittableRandom random = new SplittableRandom(24);
		Map<Integer, Integer> statuses = new TreeMap<>();

		byte[] real = dev.vae.HostileUploads.dl4jZip(dir);
		String configuration = new String(dev.vae.HostileUploads.entry(real, "configuration.json"),
				java.nio.charset.StandardCharsets.UTF_8);
		for (int i = 0; i < 120; i++) {
			byte[] zip = switch (random.nextInt(4)) {
				case 0 -> dev.vae.HostileUploads.dl4jZipOfZeros(
						mutate(configuration, random).getBytes(java.nio.charset.StandardCharsets.UTF_8), 219,
						random.nextInt(2000));
				case 1 -> dev.vae.HostileUploads.dl4jZipOfZeros(
						configuration.getBytes(java.nio.charset.StandardCharsets.UTF_8),
						new long[] { -1, 0, 218, 219, 220, Integer.MAX_VALUE, Long.MAX_VALUE }[random.nextInt(7)],
						random.nextInt(4) * 876L + random.nextInt(3) * (8L << 20));
				case 2 -> corrupt(real, random, 200);
				default -> java.util.Arrays.copyOf(real, random.nextInt(real.length));
			};
			dev.vae.HostileUploads.Multipart body = dev.vae.HostileUploads.file("file", zip);
			check(sendBytes(client, base + "/models/import", body.contentType(), body.body()), statuses,
					"dl4j zip " + i);
		}

		byte[] png = dev.vae.HostileFiles.png(6, 6, 3);
		String[] folders = { "a", "b/c", "../up", "/abs", "x".repeat(3000), "ünï/cödé", "sp ace", "", ".", "\\win",
				"a".repeat(150) };
		for (int i = 0; i < 40; i++) {
			Map<String, byte[]> entries = new java.util.LinkedHashMap<>();
			int classes = (random.nextInt(5) == 0) ? 400 + random.nextInt(400) : 1 + random.nextInt(4);
			for (int c = 0; c < classes; c++) {
				String folder = folders[random.nextInt(folders.length)] + ((classes > 10) ? "-" + c : "");
				byte[] image = switch (random.nextInt(4)) {
					case 0 -> corrupt(png, random, 24);
					case 1 -> dev.vae.HostileFiles.png(1 + random.nextInt(3000), 1 + random.nextInt(3), 1);
					default -> png;
				};
				entries.put(folder + "/" + c + ".png", image);
			}
			Map<String, Object> parts = new java.util.LinkedHashMap<>();
			parts.put("zip", dev.vae.HostileUploads.zip(entries));
			for (String field : new String[] { "height", "width", "channels" }) {
				if (random.nextBoolean()) {
					parts.put(field, POISON[random.nextInt(POISON.length)].replace("\"", ""));
				}
			}
			dev.vae.HostileUploads.Multipart body = dev.vae.HostileUploads.multipart(parts);
			check(sendBytes(client, base + "/datasets", body.contentType(), body.body()), statuses, "folder zip " + i);
			cleanDatasets(client, base);
		}

		String[] headers = { "", "a,b,c,d", "\"x\",\"y\"", "𝔁,y", "1e999,2", "NaN,NaN", ",,,,", "h".repeat(5000) };
		String[] sizes = { "4", "1073741825", "-1", "0", "2147483647", "65536", "1", "2", "x", "1e3", "" };
		for (int i = 0; i < 120; i++) {
			StringBuilder csv = new StringBuilder(headers[random.nextInt(headers.length)]).append('\n');
			for (int r = 0; r < 1 + random.nextInt(4); r++) {
				csv.append("0,1,0.5,1\n");
			}
			Map<String, Object> parts = new java.util.LinkedHashMap<>();
			parts.put("csv", mutate(csv.toString(), random).getBytes(java.nio.charset.StandardCharsets.UTF_8));
			for (String field : new String[] { "height", "width", "channels" }) {
				if (random.nextInt(3) > 0) {
					parts.put(field, sizes[random.nextInt(sizes.length)]);
				}
			}
			if (random.nextInt(4) == 0) {
				parts.put("name", "n".repeat(random.nextInt(400)));
			}
			dev.vae.HostileUploads.Multipart body = dev.vae.HostileUploads.multipart(parts);
			check(sendBytes(client, base + "/datasets", body.contentType(), body.body()), statuses, "csv " + i);
			cleanDatasets(client, base);
		}

		String dataset = JSON
			.readTree(send(client, base, "POST", "/datasets/shapes", "{\"count\":20,\"seed\":1}", "application/json")
				.body())
			.get("id")
			.asText();
		String[] layers = { "{\"type\":\"conv2d\",\"out\":%d,\"kernel\":%d,\"stride\":%d,\"padding\":%d}",
				"{\"type\":\"conv-transpose2d\",\"out\":%d,\"kernel\":%d,\"stride\":%d,\"padding\":%d,"
						+ "\"outputPadding\":0}",
				"{\"type\":\"dense\",\"out\":%d}", "{\"type\":\"flatten\"}", "{\"type\":\"batch-norm\"}",
				"{\"type\":\"activation\",\"function\":\"relu\"}", "{\"type\":\"reshape\",\"shape\":[%d,7,7]}",
				"{\"type\":\"nope\"}" };
		int[] numbers = { 0, 1, 2, 3, 7, 64, 4096, 65536, 1 << 20, -1, Integer.MAX_VALUE };
		for (int i = 0; i < 150; i++) {
			StringBuilder encoder = new StringBuilder();
			StringBuilder decoder = new StringBuilder();
			for (StringBuilder part : new StringBuilder[] { encoder, decoder }) {
				for (int l = random.nextInt(5); l > 0; l--) {
					part.append((part.length() > 0) ? "," : "")
						.append(String.format(layers[random.nextInt(layers.length)],
								numbers[random.nextInt(numbers.length)], numbers[random.nextInt(numbers.length)],
								numbers[random.nextInt(numbers.length)], numbers[random.nextInt(numbers.length)]));
				}
			}
			String architecture = switch (random.nextInt(3)) {
				case 0 -> "{\"encoder\":[" + encoder + "],\"decoder\":[" + decoder + "]}";
				case 1 -> "\"conv\"";
				default -> "\"mlp\"";
			};
			String spec = "{\"dataset\":\"" + dataset + "\",\"architecture\":" + architecture + ",\"hidden\":["
					+ numbers[random.nextInt(numbers.length)] + "],\"latentSize\":"
					+ numbers[random.nextInt(numbers.length)] + ",\"batchSize\":"
					+ numbers[random.nextInt(numbers.length)] + ",\"epochs\":1,\"name\":\""
					+ "j".repeat(random.nextInt(300)) + "\"}";
			HttpResponse<String> response = send(client, base, "POST", "/jobs", mutate(spec, random),
					"application/json");
			check(response, statuses, "job spec " + i);
		}
		System.out.println("upload and job fuzz: statuses " + statuses);
		assertThat(statuses.keySet()).allMatch((s) -> s < 500);
		assertThat(statuses).containsKeys(201, 400, 422);
	}

	/** Deletes every dataset, so the fuzz never runs into vae.storage.max-datasets. */
	private static void cleanDatasets(HttpClient client, String base) throws Exception {
		for (JsonNode row : JSON.readTree(send(client, base, "GET", "/datasets", "", "application/json").body())) {
			send(client, base, "DELETE", "/datasets/" + row.get("id").asText(), "", "application/json");
		}
	}

	@Test
	void aBodyOverTheLimitIsRefusedBeforeItIsRead() throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		String big = "{\"inputs\":[[" + "0.5,".repeat(20_000) + "0.5]]}";
		HttpResponse<String> response = send(client, "http://127.0.0.1:" + this.port, "POST", "/encode", big,
				"application/json");
		assertThat(response.statusCode()).isEqualTo(413);
		JsonNode problem = JSON.readTree(response.body());
		assertThat(problem.get("type").asText()).isEqualTo("/problems/too-large");
		assertThat(problem.get("detail").asText()).contains("at most 65536", "vae.limits.max-request-body");
	}

	private static HttpResponse<String> send(HttpClient client, String base, String method, String path, String body,
			String type) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
		if (method.equals("GET") || method.equals("DELETE")) {
			request.method(method, HttpRequest.BodyPublishers.noBody());
		}
		else {
			request.header("Content-Type", type)
				.method(method,
						HttpRequest.BodyPublishers.ofString(body, java.nio.charset.StandardCharsets.ISO_8859_1));
		}
		return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}

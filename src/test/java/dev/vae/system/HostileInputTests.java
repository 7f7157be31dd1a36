package dev.vae.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.HostileFiles;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What an outside tester broke, one regression test each, over real HTTP: images that
 * claim too many pixels, uploads over the limit with no Content-Length, multipart without
 * a boundary, latent vectors beyond float range, URIs Tomcat refuses, stalled bodies,
 * lenient JSON, echoed ids, and a Swagger UI whose first Execute failed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "server.address=127.0.0.1",
		"vae.storage.max-upload=4MB", "server.tomcat.connection-timeout=1500ms" })
class HostileInputTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	@LocalServerPort
	int port;

	private static final String STORAGE = TestStorage.newDirectory();

	private HttpFixture http;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", () -> STORAGE);
	}

	@BeforeEach
	void connect() {
		this.http = new HttpFixture(this.port);
	}

	@Test
	void anImageThatClaimsTooManyPixelsIsRefusedFromItsHeaderOnEveryImagePath() throws Exception {
		// 140 KB on the wire, 144 MB once decoded
		byte[] huge = HostileFiles.png(12_000, 12_000, 0);
		assertThat(huge.length).isLessThan(200_000);
		for (String path : List.of("/encode", "/reconstruct", "/loss")) {
			JsonNode raw = problem(this.http.postBytes(path, huge, "image/png"), 413, "/problems/too-large");
			assertThat(raw.get("detail").asText()).contains("12000×12000", "vae.intake.max-image-pixels");
			JsonNode part = problem(multipart(path, "image", huge, "image/png"), 413, "/problems/too-large");
			assertThat(part.get("field").asText()).isEqualTo("image[0]");
		}
		JsonNode tall = problem(this.http.postBytes("/encode", HostileFiles.png(1, 20_000, 0), "image/png"), 413,
				"/problems/too-large");
		assertThat(tall.get("detail").asText()).contains("vae.intake.max-image-side");
	}

	@Test
	void aLargeImageIsDecodedSubsampledAndEncodesAsItsSmallTwin() throws Exception {
		// left half white: 2800 = 28 × 100 source pixels per model pixel, subsampled to 4
		JsonNode big = this.http.postBytes("/encode", HostileFiles.png(2800, 2800, 1400), "image/png").body();
		JsonNode small = this.http.postBytes("/encode", HostileFiles.png(28, 28, 14), "image/png").body();
		double[] bigMu = HttpFixture.doubles(big.at("/results/0/mu"));
		double[] smallMu = HttpFixture.doubles(small.at("/results/0/mu"));
		assertThat(bigMu).hasSize(20);
		for (int k = 0; k < bigMu.length; k++) {
			assertThat(bigMu[k]).isCloseTo(smallMu[k], within(1e-6));
		}
	}

	@Test
	void everyFrameOfAGifCountsTowardsThePixelLimit() throws Exception {
		// 5 frames of 2000×2000: each alone is allowed, together 20 M pixels are not
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
		try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
			writer.setOutput(out);
			writer.prepareWriteSequence(null);
			java.awt.image.BufferedImage frame = new java.awt.image.BufferedImage(2000, 2000,
					java.awt.image.BufferedImage.TYPE_BYTE_INDEXED);
			for (int i = 0; i < 5; i++) {
				writer.writeToSequence(new IIOImage(frame, null, null), null);
			}
			writer.endWriteSequence();
		}
		writer.dispose();
		JsonNode problem = problem(this.http.postBytes("/encode", bytes.toByteArray(), "image/gif"), 413,
				"/problems/too-large");
		assertThat(problem.get("detail").asText()).contains("×5 frames");
	}

	@Test
	void anUploadOverTheLimitWithoutAContentLengthIs413AndStoresNothing() throws Exception {
		List<String> before = modelIds();
		// an input stream body goes out chunked: the server cannot refuse it from a
		// header
		byte[] body = new byte[5 << 20];
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/models"))
			.header("Content-Type", "application/octet-stream")
			.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
			.build();
		HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(JSON.readTree(response.body()).get("type").asText()).isEqualTo("/problems/too-large");
		assertThat(modelIds()).isEqualTo(before);
		try (Stream<Path> files = Files.list(Path.of(STORAGE, "models"))) {
			assertThat(files.map((p) -> p.getFileName().toString())).noneMatch((n) -> n.endsWith(".tmp"));
		}
	}

	@Test
	void anUploadedCheckpointIsStoredWholeAndABrokenOneLeavesNothing() throws Exception {
		byte[] checkpoint = this.http.bytes("/models/default/checkpoint");
		HttpFixture.Answer stored = this.http.postBytes("/models", checkpoint, "application/octet-stream");
		assertThat(stored.status()).isEqualTo(201);
		String id = stored.body().get("id").asText();
		assertThat(this.http.bytes("/models/" + id + "/checkpoint")).isEqualTo(checkpoint);
		List<String> before = modelIds();
		byte[] broken = checkpoint.clone();
		broken[broken.length / 2] ^= 0x5a;
		problem(this.http.postBytes("/models", broken, "application/octet-stream"), 422,
				"/problems/invalid-checkpoint");
		assertThat(modelIds()).isEqualTo(before);
		assertThat(this.http.delete("/models/" + id).status()).isEqualTo(204);
	}

	@Test
	void aMultipartImageRequestHasTheOrdinaryBodyLimitNotTheUploadOne() throws Exception {
		// 5 MB of parts to /encode: over max-request-body (4 MB) though under max-upload
		byte[] image = HostileFiles.png(28, 28, 14);
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		String boundary = "----many";
		for (int i = 0; body.size() < (5 << 20); i++) {
			body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + i
					+ ".png\"\r\nContent-Type: image/png\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			body.write(image);
			body.write(new byte[64 * 1024]);
			body.write("\r\n".getBytes(StandardCharsets.US_ASCII));
		}
		body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		JsonNode problem = problem(
				this.http.postBytes("/encode", body.toByteArray(), "multipart/form-data; boundary=" + boundary), 413,
				"/problems/too-large");
		assertThat(problem.get("detail").asText()).contains("vae.limits.max-request-body");
	}

	@Test
	void multipartWithoutABoundaryIsAMalformedRequestEverywhere() throws Exception {
		for (String path : List.of("/encode", "/loss", "/reconstruct", "/datasets", "/models")) {
			JsonNode problem = problem(this.http.postBytes(path, "xx".getBytes(), "multipart/form-data"), 400,
					"/problems/malformed-request");
			assertThat(problem.get("detail").asText()).as(path).contains("boundary");
		}
	}

	@Test
	void aLatentVectorBeyondFloatRangeIsRefusedNotAnsweredWithNaN() throws Exception {
		double[] z = new double[20];
		z[3] = 1e308;
		JsonNode beyond = problem(this.http.post("/decode", Map.of("z", new double[][] { z })), 400,
				"/problems/invalid-input");
		assertThat(beyond.get("field").asText()).isEqualTo("z[0][3]");
		double[] huge = new double[20];
		java.util.Arrays.fill(huge, 3e38);
		for (String format : List.of("json", "png")) {
			JsonNode overflow = problem(
					this.http.post("/decode?format=" + format, Map.of("z", new double[][] { huge })), 400,
					"/problems/out-of-range");
			assertThat(overflow.get("detail").asText()).contains("out of float range");
		}
		problem(this.http.post("/v2/models/vae/infer",
				"{\"inputs\":[{\"name\":\"x\",\"shape\":[1,784],\"datatype\":\"FP32\",\"data\":" + filled(784, 1e308)
						+ "}]}"),
				400, null);
	}

	@Test
	void requestsTomcatRefusesAreProblemDocumentsToo() throws Exception {
		for (String target : List.of("/models/..%2f..", "/models/%00", "/models/%2e%2e", "/model;jsessionid=1",
				"/models/" + "a".repeat(9000), "/mo%zzdel")) {
			HostileFiles.RawResponse response = HostileFiles.raw(this.port,
					"GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
			assertThat(response.status()).as(target.substring(0, Math.min(40, target.length()))).isEqualTo(400);
			assertProblem(response, "/problems/malformed-request");
		}
		HostileFiles.RawResponse version = HostileFiles.raw(this.port,
				"GET /model HTTP/2.5\r\nHost: x\r\nConnection: close\r\n\r\n");
		assertThat(version.status()).isEqualTo(505);
		assertProblem(version, "/problems/http-version-not-supported");
	}

	@Test
	void aStalledBodyTimesOutAsAProblem() throws Exception {
		HostileFiles.RawResponse response = HostileFiles.raw(this.port,
				"POST /encode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"inputs\":");
		assertThat(response.status()).isIn(400, 408);
		assertProblem(response, null);
	}

	@Test
	void jsonIsStrict() throws Exception {
		problem(this.http.post("/sample", "{\"n\":1} xx"), 400, "/problems/malformed-request");
		JsonNode two = problem(this.http.post("/sample", "{\"n\":1}{\"n\":2}"), 400, "/problems/malformed-request");
		assertThat(two.get("detail").asText()).contains("exactly one JSON object");
		JsonNode duplicate = problem(this.http.post("/sample", "{\"n\":1,\"n\":1024}"), 400,
				"/problems/malformed-request");
		assertThat(duplicate.get("detail").asText()).contains("'n' appears more than once");
		JsonNode quoted = problem(this.http.post("/sample", "{\"n\":\"2\"}"), 400, "/problems/malformed-request");
		assertThat(quoted.get("field").asText()).isEqualTo("n");
		assertThat(quoted.get("detail").asText()).contains("whole number", "not in quotes");
		JsonNode quotedValue = problem(this.http.post("/decode", "{\"z\":[[\"0.5\"" + ",0".repeat(19) + "]]}"), 400,
				"/problems/malformed-request");
		assertThat(quotedValue.get("field").asText()).isEqualTo("z[0][0]");
		JsonNode fraction = problem(
				this.http.post("/encode", "{\"inputs\":[" + filled(784, 0.5) + "],\"samples\":2.0}"), 400,
				"/problems/malformed-request");
		assertThat(fraction.get("detail").asText()).contains("'samples'", "whole number");
		JsonNode exponent = problem(this.http.post("/sample", "{\"n\":1,\"seed\":1e19}"), 400,
				"/problems/malformed-request");
		assertThat(exponent.get("detail").asText()).contains("'seed'").doesNotContain("not valid JSON");
		JsonNode range = problem(this.http.post("/sample", "{\"n\":1,\"seed\":99999999999999999999}"), 400,
				"/problems/malformed-request");
		assertThat(range.get("detail").asText()).contains("'seed' is out of range");
	}

	@Test
	void aProblemNeverEchoesMoreThanAFewHundredCharacters() throws Exception {
		String id = "x".repeat(1_000_000);
		HttpResponse<String> response = this.http.raw("POST", "/sample", Map.of("n", 1, "model", id));
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.body().length()).isLessThan(1_000);
		assertThat(JSON.readTree(response.body()).get("detail").asText()).contains("1000000 characters");
	}

	@Test
	void swaggerUiSendsJsonFirstAndEveryExampleWorks() throws Exception {
		JsonNode api = this.http.get("/v3/api-docs").body();
		for (String path : List.of("/encode", "/loss", "/reconstruct")) {
			Iterator<String> types = api.at("/paths/" + path.replace("/", "~1") + "/post/requestBody/content")
				.fieldNames();
			assertThat(types.next()).as(path).isEqualTo("application/json");
		}
		int executed = 0;
		for (Map.Entry<String, JsonNode> entry : (Iterable<Map.Entry<String, JsonNode>>) api.get("paths")::fields) {
			JsonNode post = entry.getValue().path("post");
			JsonNode example = post.at("/requestBody/content/application~1json/example");
			if (post.isMissingNode() || example.isMissingNode()) {
				continue;
			}
			HttpResponse<String> response = this.http.raw("POST", entry.getKey(), example.toString());
			assertThat(response.statusCode()).as(entry.getKey() + " " + response.body()).isIn(200, 201, 202);
			executed++;
		}
		assertThat(executed).isGreaterThanOrEqualTo(7);
		JsonNode badRequest = api.at("/paths/~1encode/post/responses/400/content/application~1problem+json/schema");
		assertThat(badRequest.get("$ref").asText()).endsWith("/Problem");
		assertThat(api.at("/paths/~1interpolate/post/requestBody/content/application~1json/example/z")).hasSize(2);
		assertThat(api.at("/paths/~1traverse/post/requestBody/content/application~1json/example/input")).hasSize(784);
	}

	@Test
	void queryParametersOfTheJsonVariantsAreUsedNotIgnored() throws Exception {
		String body = "{\"inputs\":[" + filled(784, 0.5) + "]}";
		JsonNode answer = this.http.post("/encode?samples=2&seed=5", body).body();
		assertThat(answer.get("seed").asLong()).isEqualTo(5);
		assertThat(answer.at("/results/0/z")).hasSize(2);
		JsonNode conflict = problem(
				this.http.post("/encode?seed=5", "{\"inputs\":[" + filled(784, 0.5) + "],\"samples\":1,\"seed\":6}"),
				400, "/problems/invalid-input");
		assertThat(conflict.get("field").asText()).isEqualTo("seed");
		JsonNode loss = this.http.post("/loss?samples=3&seed=1", body).body();
		assertThat(loss.at("/results/0/monte_carlo/samples").asInt()).isEqualTo(3);
	}

	private List<String> modelIds() {
		return java.util.stream.StreamSupport.stream(this.http.get("/models").body().spliterator(), false)
			.map((m) -> m.get("id").asText())
			.sorted()
			.toList();
	}

	private HttpFixture.Answer multipart(String path, String name, byte[] content, String type) throws Exception {
		String boundary = "----hostile";
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name
				+ "\"; filename=\"x.png\"\r\nContent-Type: " + type + "\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		body.write(content);
		body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		return this.http.postBytes(path, body.toByteArray(), "multipart/form-data; boundary=" + boundary);
	}

	private static JsonNode problem(HttpFixture.Answer answer, int status, String type) {
		assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(status);
		if (type != null) {
			assertThat(answer.body().get("type").asText()).isEqualTo(type);
		}
		assertThat(answer.body().path("detail").asText()).doesNotContain("Exception").doesNotContain("java.");
		return answer.body();
	}

	private static void assertProblem(HostileFiles.RawResponse response, String type) throws Exception {
		assertThat(response.contentType()).startsWith("application/problem+json");
		JsonNode problem = JSON.readTree(response.body());
		assertThat(problem.get("status").asInt()).isEqualTo(response.status());
		if (type != null) {
			assertThat(problem.get("type").asText()).isEqualTo(type);
		}
		assertThat(response.body()).doesNotContain("<html").doesNotContain("Exception").doesNotContain("timestamp");
	}

	private static String filled(int length, double value) {
		return "[" + String.join(",", java.util.Collections.nCopies(length, String.valueOf(value))) + "]";
	}

}

package dev.vae.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.HostileFiles;
import dev.vae.HostileUploads;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 24's hostile requests, one regression test each, over real HTTP: a DL4J zip of
 * zeros, jobs too large for memory, strings longer than their columns, a CSV shape that
 * overflows an int, concurrent creations at a limit, the export's headers, and the
 * newcomer's rough edges (empty body, a flat z, the OpenAPI document, the README's
 * image).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.storage.max-datasets=12", "vae.storage.max-models=6",
				"vae.intake.uploads=32", "vae.intake.max-wait=60s", "vae.memory.heap-limit=768MB",
				"vae.memory.native-limit=768MB" })
class HostileInputRoundThreeTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@TempDir
	Path dir;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	private HttpFixture http() {
		return new HttpFixture(this.port);
	}

	private HttpFixture.Answer post(String path, HostileUploads.Multipart body) {
		return http().postBytes(path, body.body(), body.contentType());
	}

	private static void problem(HttpFixture.Answer answer, int status, String type, String... detail) {
		assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(status);
		assertThat(answer.body().get("type").asText()).isEqualTo(type);
		assertThat(answer.body().get("detail").asText()).contains(detail);
	}

	@Test
	void aDl4jZipOfZerosIsRefusedWithoutInflatingIt() {
		byte[] real = HostileUploads.dl4jZip(this.dir);
		byte[] configuration = HostileUploads.entry(real, "configuration.json");
		// an honest header for the configuration's 219 values, then 300 MB of zeros
		byte[] zeros = HostileUploads.dl4jZipOfZeros(configuration, 219, 300L << 20);
		assertThat(zeros.length).isLessThan(2 << 20);
		long started = System.nanoTime();
		problem(post("/models/import", HostileUploads.file("file", zeros)), 422, "/problems/invalid-checkpoint",
				"coefficients.bin holds more than the 219 FLOAT values its configuration implies (876 bytes");
		// a header that declares 75 M values
		problem(post("/models/import",
				HostileUploads.file("file", HostileUploads.dl4jZipOfZeros(configuration, 75_000_000, 300L << 20))), 422,
				"/problems/invalid-checkpoint", "declares 75000000 values", "has 219");
		// refused at the first byte past the configuration's size, not after inflating
		// 300 MB
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
		// the real file still imports
		assertThat(post("/models/import", HostileUploads.file("file", real)).status()).isEqualTo(201);
	}

	@Test
	void jobsLargerThanMemoryAreRefusedNamingTheEstimateAndTheLimit() {
		String dataset = http().post("/datasets/shapes", Map.of("count", 40, "seed", 3)).body().get("id").asText();
		// 48.9 M parameters, under vae.model.max-parameters
		HttpFixture.Answer wide = http().post("/jobs", Map.of("dataset", dataset, "hidden", List.of(30000)));
		// 48,900,824 parameters × 40 B of heap: Adam's four arrays (16 B) and a training
		// checkpoint being written while a resumed run's moments are held (24 B)
		problem(wide, 422, "/problems/insufficient-memory",
				"this job needs an estimated 1866 MB of heap, more than the 512 MB this service can give it");
		assertThat(wide.body().get("field").asText()).isEqualTo("architecture");
		Map<String, Object> conv = new LinkedHashMap<>();
		conv.put("encoder", List.of(Map.of("type", "conv2d", "out", 4096, "kernel", 3, "stride", 1, "padding", 1),
				Map.of("type", "conv2d", "out", 1, "kernel", 3, "stride", 1, "padding", 1), Map.of("type", "flatten")));
		conv.put("decoder",
				List.of(Map.of("type", "dense", "out", 784), Map.of("type", "reshape", "shape", List.of(1, 28, 28))));
		HttpFixture.Answer deep = http().post("/jobs",
				Map.of("dataset", dataset, "architecture", conv, "batchSize", 256, "latentSize", 8));
		problem(deep, 422, "/problems/insufficient-memory", "needs an estimated", "convolution buffers");
		// nothing was queued
		assertThat(this.jdbc.sql("SELECT COUNT(*) FROM jobs").query(Long.class).single()).isZero();
		// a small job is accepted
		assertThat(http().post("/jobs", Map.of("dataset", dataset, "hidden", List.of(16), "latentSize", 2, "epochs", 1))
			.status()).isEqualTo(202);
	}

	@Test
	void storedStringsAreCheckedAtTheEdgeAndComposedOnesCut() {
		String longName = "n".repeat(100_000);
		problem(http().post("/datasets/shapes", Map.of("count", 10, "name", longName)), 400, "/problems/invalid-input",
				"name has 100000 characters; at most 200 are stored");
		Map<String, Object> csv = new LinkedHashMap<>();
		csv.put("csv", "0,1\n1,0\n".getBytes());
		csv.put("name", longName);
		problem(post("/datasets", HostileUploads.multipart(csv)), 400, "/problems/invalid-input",
				"name has 100000 characters");
		String dataset = http().post("/datasets/shapes", Map.of("count", 10, "seed", 4)).body().get("id").asText();
		HttpFixture.Answer job = http().post("/jobs", Map.of("dataset", dataset, "name", longName, "epochs", 1));
		problem(job, 400, "/problems/invalid-input", "name has 100000 characters; at most 200");
		assertThat(job.body().get("field").asText()).isEqualTo("name");
		problem(post("/models/import",
				HostileUploads.multipart(Map.of("file", HostileUploads.dl4jZip(this.dir), "manifest",
						"{\"name\": \"" + "m".repeat(300) + "\"}"))),
				400, "/problems/invalid-input", "manifest.name has 300 characters; at most 200");

		// a 2,000-character class folder and 1,500 classes: stored, description cut to
		// its column
		byte[] png = HostileFiles.png(4, 4, 2);
		Map<String, byte[]> entries = new LinkedHashMap<>();
		entries.put("c".repeat(2000) + "/a.png", png);
		for (int i = 0; i < 1500; i++) {
			entries.put("class-" + i + "/x.png", png);
		}
		Map<String, Object> parts = new LinkedHashMap<>();
		parts.put("zip", HostileUploads.zip(entries));
		parts.put("height", "4");
		parts.put("width", "4");
		HttpFixture.Answer folder = post("/datasets", HostileUploads.multipart(parts));
		assertThat(folder.status()).as(String.valueOf(folder.body())).isEqualTo(201);
		assertThat(folder.body().get("description").asText()).hasSizeLessThanOrEqualTo(Columns.DESCRIPTION)
			.startsWith("ImageFolder")
			.endsWith("…");
	}

	@Test
	void aCsvShapeWhoseProductOverflowsAnIntIsRefused() {
		Map<String, Object> parts = new LinkedHashMap<>();
		parts.put("csv", "0,1,0,1\n1,0,1,0\n".getBytes());
		parts.put("height", "4");
		parts.put("width", "1073741825");
		HttpFixture.Answer answer = post("/datasets", HostileUploads.multipart(parts));
		problem(answer, 400, "/problems/invalid-input", "4 × 1073741825 × 1 = 4294967300 values per example");
		parts.put("width", "1");
		assertThat(post("/datasets", HostileUploads.multipart(parts)).status()).isEqualTo(201);
	}

	@Test
	void limitsHoldUnderConcurrentCreations() throws Exception {
		long max = 12;
		long before = this.jdbc.sql("SELECT COUNT(*) FROM datasets").query(Long.class).single();
		while (before < max - 5) {
			http().post("/datasets/shapes", Map.of("count", 2, "seed", before));
			before++;
		}
		List<Callable<Integer>> creations = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			int seed = 100 + i;
			creations.add(() -> http().post("/datasets/shapes", Map.of("count", 2, "seed", seed)).status());
		}
		Map<Integer, Integer> statuses = all(creations);
		assertThat(this.jdbc.sql("SELECT COUNT(*) FROM datasets").query(Long.class).single()).isEqualTo(max);
		assertThat(statuses).containsEntry(201, (int) (max - before)).containsEntry(409, 20 - (int) (max - before));

		// models: the default and imports, at most 6
		byte[] real = HostileUploads.dl4jZip(this.dir);
		List<Callable<Integer>> imports = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			imports.add(() -> post("/models/import", HostileUploads.file("file", real)).status());
		}
		Map<Integer, Integer> importStatuses = all(imports);
		assertThat(this.jdbc.sql("SELECT COUNT(*) FROM models").query(Long.class).single()).isEqualTo(6);
		assertThat(importStatuses.keySet()).containsOnly(201, 409);

		// leave room for the other tests
		for (JsonNode dataset : http().get("/datasets").body()) {
			http().delete("/datasets/" + dataset.get("id").asText());
		}
		for (JsonNode model : http().get("/models").body()) {
			if (!model.get("id").asText().equals("default")) {
				http().delete("/models/" + model.get("id").asText());
			}
		}
	}

	private static Map<Integer, Integer> all(List<Callable<Integer>> calls) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(calls.size());
		try {
			Map<Integer, Integer> statuses = new java.util.TreeMap<>();
			for (Future<Integer> f : pool.invokeAll(calls)) {
				statuses.merge(f.get(), 1, Integer::sum);
			}
			return statuses;
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void anExportNamesItsTypeAndFile() throws Exception {
		HttpResponse<byte[]> export = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/models/default/export"))
				.build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(export.statusCode()).isEqualTo(200);
		assertThat(export.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
		assertThat(export.headers().firstValue("Content-Disposition"))
			.hasValue("attachment; filename=\"default.safetensors\"");
		assertThat(export.body().length).isGreaterThan(1000);
	}

	@Test
	void anEmptyBodyAndAFlatVectorAreAnsweredWithWhatWasExpected() {
		problem(http().postBytes("/encode", new byte[0], "image/png"), 400, "/problems/invalid-input",
				"the body is empty");
		HttpFixture.Answer flat = http().post("/decode", "{\"z\": [0, 0]}");
		problem(flat, 400, "/problems/invalid-input", "z[0] has 2 values; the model expects 20");
	}

	@Test
	void theReadmeImageShipsAndTheServiceReadsIt() throws Exception {
		Path image = Path.of("docs/digit.png");
		assertThat(image).exists();
		assertThat(Files.readString(Path.of("README.md"))).contains("@docs/digit.png");
		HttpFixture.Answer encoded = http().postBytes("/encode", Files.readAllBytes(image), "image/png");
		assertThat(encoded.status()).as(String.valueOf(encoded.body())).isEqualTo(200);
		assertThat(encoded.body().get("results").get(0).get("mu")).hasSize(20);
	}

	@Test
	void theOpenApiDocumentShowsEachStatusItsOwnExampleAndRealAnswers() throws Exception {
		JsonNode doc = http().get("/v3/api-docs").body();
		// sections in order of use: inference first, administration last
		List<String> tags = new ArrayList<>();
		doc.get("tags").forEach((t) -> tags.add(t.get("name").asText()));
		assertThat(tags.get(0)).isEqualTo("Inference");
		assertThat(tags.indexOf("Models")).isGreaterThan(tags.indexOf("Jobs"))
			.isGreaterThan(tags.indexOf("Datasets"))
			.isGreaterThan(tags.indexOf("Pictures"));
		String text = doc.toString();
		assertThat(text).doesNotContain("\"*/*\"");
		int examples = 0;
		for (Map.Entry<String, JsonNode> path : iterable(doc.get("paths"))) {
			for (Map.Entry<String, JsonNode> operation : iterable(path.getValue())) {
				for (Map.Entry<String, JsonNode> response : iterable(operation.getValue().path("responses"))) {
					JsonNode example = response.getValue()
						.path("content")
						.path("application/problem+json")
						.path("example");
					if (!example.isMissingNode()) {
						assertThat(example.get("status").asInt()).as(path.getKey() + " " + response.getKey())
							.isEqualTo(Integer.parseInt(response.getKey()));
						examples++;
					}
				}
			}
		}
		assertThat(examples).isGreaterThan(50);
		JsonNode encode = doc.at("/paths/~1encode/post");
		assertThat(encode.at("/requestBody/content").has("application/octet-stream")).isTrue();
		JsonNode answer = encode.at("/responses/200/content/application~1json/example");
		assertThat(answer.at("/results/0/mu")).hasSize(20);
		assertThat(doc.at("/paths/~1decode/post/responses/200/content/application~1json/example/results/0/mean"))
			.hasSize(784);
		assertThat(
				doc.at("/paths/~1decode/post/responses/400/content/application~1problem+json/example/detail").asText())
			.contains("z[0]");
	}

	private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
		List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
		node.fields().forEachRemaining(entries::add);
		return entries;
	}

}

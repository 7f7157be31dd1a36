package dev.vae.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae.HostileFiles;
import dev.vae.ServiceProcess;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image and upload attacks at once, against the service in its own JVM with a 512 MiB
 * heap: pixel bombs as bodies and parts, three ~180 MB checkpoint uploads, chunked
 * uploads past the limit, and ordinary inference alongside. Every answer is a 2xx or a
 * 4xx problem, the ordinary requests keep succeeding, and the log holds no
 * OutOfMemoryError. Before bounded intake, the uploads alone exhausted this heap.
 */
class MemoryTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	@TempDir
	Path storage;

	@Test
	void concurrentImageAndUploadAttacksLeaveTheHeapAlone() throws Exception {
		try (ServiceProcess service = ServiceProcess.start(this.storage, ServiceProcess.freePort(),
				List.of("-Xmx512m", "-XX:+UseParallelGC"), "--logging.level.root=WARN")) {
			String base = "http://127.0.0.1:" + service.port();
			HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
			byte[] bomb = HostileFiles.png(12_000, 12_000, 0);
			byte[] wide = HostileFiles.png(16_000, 1_000, 8_000);
			byte[] bigCheckpoint = oversizedCheckpoint(client, base);
			String encode = "{\"inputs\":[[" + "0.5,".repeat(783) + "0.5]]}";

			List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
			List<Callable<Void>> attacks = new ArrayList<>();
			for (int t = 0; t < 6; t++) {
				attacks.add(repeat(3, () -> send(client, base + "/encode", "image/png", bomb)));
				attacks.add(repeat(2, () -> send(client, base + "/reconstruct", "image/png", wide)));
			}
			for (int t = 0; t < 3; t++) {
				attacks.add(repeat(1, () -> send(client, base + "/models", "application/octet-stream", bigCheckpoint)));
			}
			for (int t = 0; t < 2; t++) {
				attacks.add(repeat(1, () -> sendStream(client, base + "/models", endless(260L << 20))));
			}
			AtomicInteger ordinary = new AtomicInteger();
			for (int t = 0; t < 2; t++) {
				attacks.add(repeat(40, () -> {
					HttpResponse<String> r = send(client, base + "/encode", "application/json",
							encode.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
					if (r.statusCode() == 200) {
						ordinary.incrementAndGet();
					}
					return r;
				}));
			}
			ExecutorService pool = Executors.newFixedThreadPool(attacks.size());
			try {
				List<Future<Void>> running = new ArrayList<>();
				for (Callable<Void> attack : attacks) {
					running.add(pool.submit(() -> {
						try {
							return attack.call();
						}
						catch (Exception ex) {
							failures.add(String.valueOf(ex));
							return null;
						}
					}));
				}
				for (Future<Void> f : running) {
					f.get(5, TimeUnit.MINUTES);
				}
			}
			finally {
				pool.shutdownNow();
			}
			System.out.println("memory attack: statuses " + this.statuses + ", chunked uploads cut off by the server "
					+ this.cutOff.get() + ", ordinary /encode answered " + ordinary.get() + " of 80");
			assertThat(failures).isEmpty();
			assertThat(this.statuses.keySet()).allMatch((s) -> s < 500);
			assertThat(this.statuses.keySet()).contains(413, 422);
			assertThat(ordinary.get()).isEqualTo(80);
			assertThat(service.http().post("/encode", encode).status()).isEqualTo(200);
			assertThat(service.log()).doesNotContain("OutOfMemoryError");
		}
	}

	/**
	 * Issue 24's attacks on a service with the container's -Xmx768m while a small job
	 * trains: eight DL4J zips whose coefficients.bin is 400 MB of zeros (two kinds of
	 * header), four imports of an honest 47 M-parameter DL4J VAE (zeros), and jobs too
	 * large for memory (an MLP with hidden 30000, a 4096-channel convolution at batch
	 * 256). Before admission by memory, the zips alone failed a training job with "Java
	 * heap space". Now every attack is a 4xx, the job SUCCEEDS, and the log holds no
	 * OutOfMemoryError (nor Spring's generated password).
	 */
	@Test
	void importAndJobAttacksLeaveATrainingJobAlone() throws Exception {
		try (ServiceProcess service = ServiceProcess.start(this.storage, ServiceProcess.freePort(),
				List.of("-Xmx768m", "-XX:+UseParallelGC"), "--vae.intake.uploads=8", "--vae.intake.max-wait=120s")) {
			String base = "http://127.0.0.1:" + service.port();
			dev.vae.HttpFixture http = service.http();
			HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
			byte[] real = dev.vae.HostileUploads.dl4jZip(this.storage);
			byte[] configuration = dev.vae.HostileUploads.entry(real, "configuration.json");
			byte[] honestZeros = dev.vae.HostileUploads.dl4jZipOfZeros(configuration, 219, 400L << 20);
			byte[] lyingZeros = dev.vae.HostileUploads.dl4jZipOfZeros(configuration, 100_000_000, 400L << 20);
			ObjectNode wideConfiguration = (ObjectNode) JSON.readTree(configuration);
			ObjectNode layer = (ObjectNode) wideConfiguration.get("confs").get(0).get("layer");
			layer.put("nin", 784);
			layer.putArray("encoderLayerSizes").add(30000);
			layer.putArray("decoderLayerSizes").add(30000);
			long wideCount = 784L * 30000 + 30000 + 2 * (30000L * 3 + 3) + 3L * 30000 + 30000 + 30000L * 784 + 784;
			byte[] wide = dev.vae.HostileUploads.dl4jZipOfZeros(JSON.writeValueAsBytes(wideConfiguration), wideCount,
					4 * wideCount);

			String dataset = http.post("/datasets/shapes", Map.of("count", 3000, "seed", 2)).body().get("id").asText();
			String job = http
				.post("/jobs",
						Map.of("dataset", dataset, "hidden", List.of(128), "latentSize", 8, "epochs", 25, "seed", 5))
				.body()
				.get("id")
				.asText();
			for (int i = 0; i < 300 && !http.get("/jobs/" + job).body().get("status").asText().equals("RUNNING"); i++) {
				Thread.sleep(100);
			}
			assertThat(http.get("/jobs/" + job).body().get("status").asText()).isEqualTo("RUNNING");

			Map<String, Object> conv = new java.util.LinkedHashMap<>();
			conv.put("encoder",
					List.of(Map.of("type", "conv2d", "out", 4096, "kernel", 3, "stride", 1, "padding", 1),
							Map.of("type", "conv2d", "out", 1, "kernel", 3, "stride", 1, "padding", 1),
							Map.of("type", "flatten")));
			conv.put("decoder", List.of(Map.of("type", "dense", "out", 784),
					Map.of("type", "reshape", "shape", List.of(1, 28, 28))));
			byte[] wideJob = JSON.writeValueAsBytes(Map.of("dataset", dataset, "hidden", List.of(30000)));
			byte[] convJob = JSON
				.writeValueAsBytes(Map.of("dataset", dataset, "architecture", conv, "batchSize", 256, "latentSize", 8));

			List<Callable<Void>> attacks = new ArrayList<>();
			for (byte[] zip : new byte[][] { honestZeros, lyingZeros, honestZeros, lyingZeros, honestZeros, lyingZeros,
					honestZeros, lyingZeros, wide, wide, wide, wide }) {
				dev.vae.HostileUploads.Multipart body = dev.vae.HostileUploads.file("file", zip);
				attacks.add(repeat(1, () -> send(client, base + "/models/import", body.contentType(), body.body())));
			}
			for (int t = 0; t < 2; t++) {
				attacks.add(repeat(2, () -> send(client, base + "/jobs", "application/json", wideJob)));
				attacks.add(repeat(2, () -> send(client, base + "/jobs", "application/json", convJob)));
			}
			ExecutorService pool = Executors.newFixedThreadPool(attacks.size());
			List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
			try {
				List<Future<?>> running = new ArrayList<>();
				for (Callable<Void> attack : attacks) {
					running.add(pool.submit(() -> {
						try {
							return attack.call();
						}
						catch (Exception | AssertionError ex) {
							failures.add(String.valueOf(ex));
							return null;
						}
					}));
				}
				for (Future<?> f : running) {
					f.get(5, TimeUnit.MINUTES);
				}
			}
			finally {
				pool.shutdownNow();
			}
			String during = http.get("/jobs/" + job).body().get("status").asText();
			JsonNode view = http.get("/jobs/" + job).body();
			for (int i = 0; i < 1800 && !view.get("status").asText().matches("SUCCEEDED|FAILED|CANCELLED"); i++) {
				Thread.sleep(100);
				view = http.get("/jobs/" + job).body();
			}
			System.out.println("import and job attacks: statuses " + this.statuses + ", job " + during
					+ " while they ran, then " + view.get("status").asText() + " " + view.path("error").asText(""));
			assertThat(failures).isEmpty();
			assertThat(this.statuses.keySet()).allMatch((s) -> s >= 400 && s < 500);
			assertThat(this.statuses).containsKey(422);
			assertThat(view.get("status").asText()).as(view.toString()).isEqualTo("SUCCEEDED");
			assertThat(http.get("/jobs?status=QUEUED").body().get("total").asLong()).isZero();
			String log = service.log();
			assertThat(log).doesNotContain("OutOfMemoryError").doesNotContain("Java heap space");
			assertThat(log).doesNotContain("Using generated security password");
		}
	}

	private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();

	private final AtomicInteger cutOff = new AtomicInteger();

	private interface Request {

		HttpResponse<String> send() throws Exception;

	}

	private Callable<Void> repeat(int times, Request request) {
		return () -> {
			for (int i = 0; i < times; i++) {
				HttpResponse<String> response = request.send();
				if (response == null) {
					this.cutOff.incrementAndGet();
					continue;
				}
				this.statuses.merge(response.statusCode(), 1, Integer::sum);
				if (response.statusCode() >= 400) {
					assertThat(response.headers().firstValue("Content-Type").orElse(""))
						.startsWith("application/problem+json");
				}
			}
			return null;
		};
	}

	private static HttpResponse<String> send(HttpClient client, String url, String type, byte[] body) throws Exception {
		return client.send(HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofMinutes(2))
			.header("Content-Type", type)
			.POST(HttpRequest.BodyPublishers.ofByteArray(body))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** A body of unknown length: it goes out chunked. */
	private static HttpResponse<String> sendStream(HttpClient client, String url, InputStream body) throws Exception {
		try {
			return client.send(HttpRequest.newBuilder(URI.create(url))
				.timeout(Duration.ofMinutes(2))
				.header("Content-Type", "application/octet-stream")
				.POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
				.build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (java.io.IOException closedEarly) {
			// the server may answer 413 and close while the client is still sending
			return null;
		}
	}

	/** {@code length} zero bytes, made as they are read. */
	private static InputStream endless(long length) {
		return new InputStream() {
			private long left = length;

			@Override
			public int read() {
				return (this.left-- > 0) ? 0 : -1;
			}

			@Override
			public int read(byte[] b, int off, int len) {
				if (this.left <= 0) {
					return -1;
				}
				int n = (int) Math.min(len, this.left);
				java.util.Arrays.fill(b, off, off + n, (byte) 0);
				this.left -= n;
				return n;
			}
		};
	}

	/**
	 * A checkpoint whose manifest declares a 784-28000-20 MLP (45.6 M parameters, 182 MB)
	 * and whose parameters are zeros stored uncompressed: every byte crosses the wire and
	 * the checksum fails only at the end.
	 */
	private static byte[] oversizedCheckpoint(HttpClient client, String base) throws Exception {
		byte[] original = client
			.send(HttpRequest.newBuilder(URI.create(base + "/models/default/checkpoint")).build(),
					HttpResponse.BodyHandlers.ofByteArray())
			.body();
		ObjectNode manifest = null;
		try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(original))) {
			for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
				if (e.getName().equals("manifest.json")) {
					manifest = (ObjectNode) JSON.readTree(zip.readAllBytes());
				}
			}
		}
		assertThat(manifest).isNotNull();
		ObjectNode architecture = (ObjectNode) manifest.get("architecture");
		architecture.putArray("encoderHidden").add(28_000);
		architecture.putArray("decoderHidden").add(28_000);
		long count = (784L * 28_000 + 28_000) + 2 * (28_000L * 20 + 20) + (20L * 28_000 + 28_000)
				+ (28_000L * 784 + 784);
		manifest.put("parameterCount", count);
		ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) (4 * count + 4096));
		try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
			zip.setLevel(Deflater.NO_COMPRESSION);
			zip.putNextEntry(new ZipEntry("manifest.json"));
			zip.write(JSON.writeValueAsBytes(manifest));
			zip.closeEntry();
			zip.putNextEntry(new ZipEntry("parameters.f32"));
			byte[] zeros = new byte[1 << 20];
			for (long left = 4 * count; left > 0; left -= zeros.length) {
				zip.write(zeros, 0, (int) Math.min(zeros.length, left));
			}
			zip.closeEntry();
		}
		return bytes.toByteArray();
	}

}

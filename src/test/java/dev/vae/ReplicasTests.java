package dev.vae;

import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two replicas (two Spring Boot applications in this JVM, each on its own port of
 * 127.0.0.1, spoken to over real HTTP) share PostgreSQL and an S3 test server, and a
 * third runs as its own process so that it can be killed. Runs where
 * {@code VAE_TEST_POSTGRES_URL} points at a database (CI starts one); the tests work in a
 * schema of their own, dropped at the end.
 */
@EnabledIfEnvironmentVariable(named = "VAE_TEST_POSTGRES_URL", matches = ".+",
		disabledReason = "needs PostgreSQL: VAE_TEST_POSTGRES_URL is not set (eval \"$(scripts/postgres-up.sh)\" sets it)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasTests {

	private static final String BUCKET = "vae-replicas";

	private static final String LEASE = "3s";

	private Path dir;

	private String url;

	private String schema;

	private S3MockServer s3;

	private S3Client bucket;

	private ConfigurableApplicationContext a;

	private ConfigurableApplicationContext b;

	private HttpFixture httpA;

	private HttpFixture httpB;

	private final double[] x = dev.vae.data.Shapes.generate(5, 0, 1).examples().row(0);

	@BeforeAll
	void startReplicas() throws Exception {
		String base = System.getenv("VAE_TEST_POSTGRES_URL");
		assumeTrue(base != null && !base.isBlank(), "VAE_TEST_POSTGRES_URL is not set: no PostgreSQL to share");
		this.schema = "replicas_" + UUID.randomUUID().toString().substring(0, 8);
		execute(base, "CREATE SCHEMA " + this.schema);
		this.url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + this.schema;
		this.dir = Files.createTempDirectory("vae-replicas");
		Files.createDirectories(this.dir.resolve("s3"));
		// S3Mock accepts any key; the replicas find these through the SDK's default chain
		System.setProperty("aws.accessKeyId", "test");
		System.setProperty("aws.secretAccessKey", "test");
		this.s3 = S3MockServer.start(this.dir.resolve("s3"), BUCKET);
		this.bucket = S3Client.builder()
			.endpointOverride(this.s3.endpoint())
			.region(Region.US_EAST_1)
			.forcePathStyle(true)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
			.build();
		this.a = new SpringApplicationBuilder(VaeApplication.class).run(arguments("a").toArray(String[]::new));
		this.b = new SpringApplicationBuilder(VaeApplication.class).run(arguments("b").toArray(String[]::new));
		this.httpA = new HttpFixture(port(this.a));
		this.httpB = new HttpFixture(port(this.b));
	}

	@AfterAll
	void stopReplicas() throws Exception {
		for (AutoCloseable closeable : new AutoCloseable[] { this.a, this.b, this.bucket, this.s3 }) {
			if (closeable != null) {
				closeable.close();
			}
		}
		if (this.schema != null) {
			execute(System.getenv("VAE_TEST_POSTGRES_URL"), "DROP SCHEMA " + this.schema + " CASCADE");
		}
	}

	private List<String> arguments(String name) {
		return new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
				"--vae.storage.dir=" + this.dir.resolve(name), "--spring.datasource.url=" + this.url,
				"--spring.datasource.username=" + System.getenv("VAE_TEST_POSTGRES_USER"),
				"--spring.datasource.password=" + System.getenv("VAE_TEST_POSTGRES_PASSWORD"),
				"--vae.storage.s3.bucket=" + BUCKET, "--vae.storage.s3.endpoint=" + this.s3.endpoint(),
				"--vae.storage.s3.path-style=true", "--vae.registry.sync-interval=500ms",
				"--vae.jobs.poll-interval=300ms", "--vae.jobs.lease=" + LEASE, "--vae.jobs.checkpoint-interval=10",
				"--vae.jobs.queue-length=10", "--vae.replica.id=replica-" + name, "--logging.level.root=WARN"));
	}

	@Test
	@Order(1)
	void anActivationOnOneReplicaIsServedByAllWithoutAFailedRequest() throws Exception {
		byte[] checkpoint = this.httpA.bytes("/models/default/checkpoint");
		String model = this.httpA.postBytes("/models", checkpoint, "application/octet-stream")
			.body()
			.get("id")
			.asText();
		AtomicBoolean stop = new AtomicBoolean();
		AtomicLong ok = new AtomicLong();
		AtomicInteger failed = new AtomicInteger();
		ExecutorService load = Executors.newFixedThreadPool(4);
		List<Future<?>> clients = new ArrayList<>();
		for (int c = 0; c < 4; c++) {
			clients.add(load.submit(() -> {
				while (!stop.get()) {
					HttpFixture.Answer answer = this.httpB.post("/encode", Map.of("inputs", new double[][] { this.x }));
					if (answer.status() == 200 && answer.body().at("/results/0/mu").size() == 20) {
						ok.incrementAndGet();
					}
					else {
						failed.incrementAndGet();
					}
				}
			}));
		}
		try {
			assertThat(this.httpA.put("/models/active", Map.of("id", model)).status()).isEqualTo(200);
			await(() -> this.httpB.get("/model").body().get("id").asText().equals(model), 20);
			await(() -> this.httpB.get("/actuator/health/readiness").status() == 200, 10);
			assertThat(this.httpB.put("/models/active", Map.of("id", "default")).status()).isEqualTo(200);
			await(() -> this.httpA.get("/model").body().get("id").asText().equals("default"), 20);
		}
		finally {
			stop.set(true);
			for (Future<?> client : clients) {
				client.get(30, TimeUnit.SECONDS);
			}
			load.shutdown();
		}
		assertThat(failed.get()).isZero();
		assertThat(ok.get()).isPositive();
		assertThat(this.httpA.get("/actuator/health/readiness").status()).isEqualTo(200);
	}

	@Test
	@Order(2)
	void aDatasetUploadedThroughOneReplicaTrainsOnTheOther() throws Exception {
		String dataset = shapes(this.httpA, 300);
		JsonNode job = this.httpB.post("/jobs", spec(dataset, 2, 1)).body();
		// B was free, so it took the job as it was submitted
		assertThat(job.get("replica").asText()).isEqualTo("replica-b");
		JsonNode done = waitFor(this.httpA, job.get("id").asText(), "SUCCEEDED");
		assertThat(Files.exists(this.dir.resolve("b/cache/datasets/" + dataset + ".f32"))).isTrue();
		String model = done.get("model").asText();
		// A has neither the dataset's nor the model's bytes: it reads the model from the
		// bucket
		assertThat(Files.exists(this.dir.resolve("a/cache/models/" + model + ".vae"))).isFalse();
		HttpFixture.Answer encoded = this.httpA.post("/encode",
				Map.of("inputs", new double[][] { this.x }, "model", model));
		assertThat(encoded.status()).isEqualTo(200);
		assertThat(encoded.body().at("/results/0/mu").size()).isEqualTo(2);
	}

	@Test
	@Order(3)
	void eachJobRunsOnceWhileBothReplicasPoll() throws Exception {
		String dataset = shapes(this.httpA, 300);
		List<String> jobs = new ArrayList<>();
		for (int i = 0; i < 6; i++) {
			HttpFixture http = (i % 2 == 0) ? this.httpA : this.httpB;
			HttpFixture.Answer submitted = http.post("/jobs", spec(dataset, 2, i));
			assertThat(submitted.status()).isEqualTo(202);
			jobs.add(submitted.body().get("id").asText());
		}
		Set<String> replicas = new HashSet<>();
		for (String job : jobs) {
			replicas.add(waitFor(this.httpB, job, "SUCCEEDED").get("replica").asText());
			assertThat(queryLong("SELECT claims FROM jobs WHERE id = ?", job)).as(job).isEqualTo(1);
			assertThat(queryLong("SELECT COUNT(*) FROM models WHERE job_id = ?", job)).as(job).isEqualTo(1);
		}
		assertThat(replicas).containsExactlyInAnyOrder("replica-a", "replica-b");
	}

	@Test
	@Order(4)
	void aCorruptedObjectIsRefusedByItsDigestAndHarmsNothing() throws Exception {
		byte[] checkpoint = this.httpA.bytes("/models/default/checkpoint");
		String model = this.httpA.postBytes("/models", checkpoint, "application/octet-stream")
			.body()
			.get("id")
			.asText();
		byte[] flipped = checkpoint.clone();
		flipped[flipped.length / 2] ^= 0x10;
		this.bucket.putObject((r) -> r.bucket(BUCKET).key("models/" + model + ".vae"), RequestBody.fromBytes(flipped));

		// B has no copy: it downloads the object, finds the digest wrong and refuses it
		HttpFixture.Answer refused = this.httpB.put("/models/active", Map.of("id", model));
		assertThat(refused.status()).isEqualTo(422);
		assertThat(refused.body().get("detail").asText()).contains("does not match its recorded SHA-256");
		assertThat(Files.exists(this.dir.resolve("b/cache/models/" + model + ".vae"))).isFalse();
		assertThat(this.httpA.get("/model").body().get("id").asText()).isEqualTo("default");
		assertThat(this.httpB.get("/model").body().get("id").asText()).isEqualTo("default");

		// A kept the good bytes it uploaded and activates them; B will not follow onto
		// the
		// bad object: it keeps serving the default and says it is not ready
		assertThat(this.httpA.put("/models/active", Map.of("id", model)).status()).isEqualTo(200);
		await(() -> this.httpB.get("/actuator/health/readiness").status() == 503, 10);
		assertThat(this.httpB.get("/model").body().get("id").asText()).isEqualTo("default");
		assertThat(this.httpB.post("/encode", Map.of("inputs", new double[][] { this.x })).status()).isEqualTo(200);
		assertThat(this.httpA.put("/models/active", Map.of("id", "default")).status()).isEqualTo(200);
		await(() -> this.httpB.get("/actuator/health/readiness").status() == 200, 10);

		// a dataset whose object was damaged fails the job that reads it, and registers
		// nothing
		String dataset = shapes(this.httpA, 300);
		String key = "datasets/" + dataset + ".f32";
		byte[] values = this.bucket.getObjectAsBytes((r) -> r.bucket(BUCKET).key(key)).asByteArray();
		values[values.length / 3] ^= 0x01;
		this.bucket.putObject((r) -> r.bucket(BUCKET).key(key), RequestBody.fromBytes(values));
		String job = this.httpB.post("/jobs", spec(dataset, 1, 1)).body().get("id").asText();
		JsonNode view = waitFor(this.httpB, job, "FAILED");
		assertThat(view.get("error").asText()).contains("does not match its recorded SHA-256");
		assertThat(queryLong("SELECT COUNT(*) FROM models WHERE job_id = ?", job)).isZero();
	}

	@Test
	@Order(5)
	void aJobIsCancelledAndFollowedFromTheReplicaThatDoesNotRunIt() throws Exception {
		String dataset = shapes(this.httpB, 3000);
		JsonNode job = this.httpA.post("/jobs", longSpec(dataset)).body();
		assertThat(job.get("replica").asText()).isEqualTo("replica-a");
		String id = job.get("id").asText();
		await(() -> this.httpB.get("/jobs/" + id).body().at("/progress/step").asLong() > 0, 60);
		ExecutorService follower = Executors.newSingleThreadExecutor();
		Future<List<String>> lines = follower.submit(() -> this.httpB.eventLines("/jobs/" + id + "/events", 100_000));
		try {
			await(() -> this.httpB.get("/jobs/" + id).body().at("/progress/step").asLong() > 0, 10);
			Thread.sleep(1500);
			assertThat(this.httpB.delete("/jobs/" + id).status()).isEqualTo(200);
			JsonNode cancelled = waitFor(this.httpB, id, "CANCELLED");
			assertThat(cancelled.has("model")).isFalse();
			List<String> events = lines.get(30, TimeUnit.SECONDS);
			assertThat(events).anyMatch((l) -> l.startsWith("event:") && l.contains("progress"));
			assertThat(events).anyMatch((l) -> l.startsWith("data:") && l.contains("\"CANCELLED\""));
		}
		finally {
			follower.shutdownNow();
		}
	}

	@Test
	@Order(6)
	void aKilledReplicasJobIsFinishedByAnotherAsIfNeverInterrupted() throws Exception {
		Path storage = Files.createDirectories(this.dir.resolve("c"));
		List<String> options = List.of("-Daws.accessKeyId=test", "-Daws.secretAccessKey=test");
		List<String> arguments = arguments("c").stream()
			.filter((arg) -> !arg.startsWith("--server.") && !arg.startsWith("--vae.storage.dir="))
			.toList();
		ServiceProcess c = ServiceProcess.start(storage, ServiceProcess.freePort(), options,
				arguments.toArray(String[]::new));
		String dataset = shapes(this.httpB, 3000);
		// 2,700 training examples: 27 minibatches an epoch, a checkpoint every 10 and at
		// each epoch's end
		Map<String, Object> spec = Map.of("dataset", dataset, "hidden", List.of(64), "latentSize", 8, "epochs", 6,
				"seed", 3);
		String id;
		long killedAfter;
		try {
			JsonNode job = c.http().post("/jobs", spec).body();
			assertThat(job.path("replica").asText()).as(job.toString()).isEqualTo("replica-c");
			id = job.get("id").asText();
			JsonNode view;
			do {
				Thread.sleep(20);
				view = this.httpB.get("/jobs/" + id).body();
			}
			// a checkpoint saved within an epoch, after the first
			while (view.at("/checkpoint/step").asLong() <= 27 || view.at("/checkpoint/step").asLong() % 27 == 0);
			killedAfter = view.at("/checkpoint/step").asLong();
		}
		finally {
			c.kill();
		}
		long killed = System.nanoTime();
		JsonNode done = waitFor(this.httpB, id, "SUCCEEDED");
		assertThat(done.get("replica").asText()).isIn("replica-a", "replica-b");
		assertThat(done.at("/resumedFrom/reason").asText()).contains("lease expired").contains("replica-c");
		assertThat(done.at("/resumedFrom/step").asLong()).isGreaterThanOrEqualTo(killedAfter);
		assertThat(done.get("epochs")).hasSize(6);
		// the lease (3 s) has to run out first; then the next poll of A or B re-queues it
		assertThat((System.nanoTime() - killed) / 1e9).isGreaterThan(1.0);
		assertThat(queryLong("SELECT claims FROM jobs WHERE id = ?", id)).isEqualTo(2);
		assertThat(queryLong("SELECT COUNT(*) FROM models WHERE job_id = ?", id)).isEqualTo(1);
		// the same job, never interrupted
		JsonNode whole = waitFor(this.httpA, this.httpA.post("/jobs", spec).body().get("id").asText(), "SUCCEEDED");
		JobFixtures.assertSameParameters(JobFixtures.parameters(this.httpA, done.get("model").asText()),
				JobFixtures.parameters(this.httpA, whole.get("model").asText()));
		assertThat(this.bucket.listObjectsV2((r) -> r.bucket(BUCKET).prefix("training/")).contents()).isEmpty();
	}

	@Test
	@Order(7)
	void aDamagedCachedCopyIsFetchedAgainFromTheBucket() throws Exception {
		byte[] checkpoint = this.httpA.bytes("/models/default/checkpoint");
		JsonNode uploaded = this.httpA.postBytes("/models", checkpoint, "application/octet-stream").body();
		String model = uploaded.get("id").asText();
		assertThat(uploaded.get("sha256").asText()).hasSize(64);
		Path cached = this.dir.resolve("a/cache/models/" + model + ".vae");
		byte[] flipped = Files.readAllBytes(cached);
		flipped[flipped.length / 2] ^= 0x10;
		Files.write(cached, flipped);
		// A checks its copy before loading, drops it and downloads the object again
		HttpFixture.Answer encoded = this.httpA.post("/encode",
				Map.of("inputs", new double[][] { this.x }, "model", model));
		assertThat(encoded.status()).isEqualTo(200);
		assertThat(Files.readAllBytes(cached)).isEqualTo(checkpoint);
	}

	private static Map<String, Object> spec(String dataset, int epochs, int seed) {
		return Map.of("dataset", dataset, "hidden", List.of(16), "latentSize", 2, "epochs", epochs, "seed", seed);
	}

	private static Map<String, Object> longSpec(String dataset) {
		return Map.of("dataset", dataset, "hidden", List.of(128), "latentSize", 8, "epochs", 400);
	}

	private static String shapes(HttpFixture http, int count) {
		HttpFixture.Answer answer = http.post("/datasets/shapes", Map.of("count", count, "seed", count));
		assertThat(answer.status()).isEqualTo(201);
		return answer.body().get("id").asText();
	}

	private static JsonNode waitFor(HttpFixture http, String job, String status) throws InterruptedException {
		return JobFixtures.waitFor(http, job, status, 120);
	}

	private static void await(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("waited %d s", seconds).isLessThan(deadline);
			Thread.sleep(50);
		}
	}

	private static int port(ConfigurableApplicationContext context) {
		return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
	}

	private long queryLong(String sql, String parameter) throws SQLException {
		try (Connection connection = connect(this.url);
				PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, parameter);
			try (ResultSet rs = statement.executeQuery()) {
				assertThat(rs.next()).isTrue();
				return rs.getLong(1);
			}
		}
	}

	private static void execute(String url, String sql) throws SQLException {
		try (Connection connection = connect(url)) {
			connection.createStatement().execute(sql);
		}
	}

	private static Connection connect(String url) throws SQLException {
		return DriverManager.getConnection(url, System.getenv("VAE_TEST_POSTGRES_USER"),
				System.getenv("VAE_TEST_POSTGRES_PASSWORD"));
	}

}

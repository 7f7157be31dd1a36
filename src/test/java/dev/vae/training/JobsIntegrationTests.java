package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;
import dev.vae.model.checkpoint.Checkpoint;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training through the HTTP API, the registry, and hot swap under load, on the real
 * service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.jobs.queue-length=1" })
class JobsIntegrationTests {

	@LocalServerPort
	int port;

	HttpFixture http;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	@BeforeEach
	void client() {
		this.http = new HttpFixture(this.port);
	}

	private String dataset(int count, long seed) {
		HttpFixture.Answer created = this.http.post("/datasets/shapes", Map.of("count", count, "seed", seed));
		assertThat(created.status()).isEqualTo(201);
		return created.body().get("id").asText();
	}

	private static Map<String, Object> spec(String dataset, int epochs) {
		return Map.of("dataset", dataset, "name", "small", "hidden", List.of(64), "latentSize", 4, "epochs", epochs,
				"batchSize", 50, "seed", 5);
	}

	private JsonNode waitFor(String job, String... statuses) throws InterruptedException {
		for (int i = 0; i < 600; i++) {
			JsonNode view = this.http.get("/jobs/" + job).body();
			if (List.of(statuses).contains(view.get("status").asText())) {
				return view;
			}
			Thread.sleep(100);
		}
		throw new AssertionError("job " + job + " never reached " + List.of(statuses));
	}

	@Test
	void trainFollowActivateAndServeANewModel() throws Exception {
		String dataset = dataset(600, 3);
		HttpResponse<String> submitted = this.http.raw("POST", "/jobs", spec(dataset, 3));
		assertThat(submitted.statusCode()).isEqualTo(202);
		String location = submitted.headers().firstValue("Location").orElseThrow();
		String job = location.substring("/jobs/".length());

		List<String> events = this.http.eventLines(location + "/events", 10_000);
		assertThat(events).anyMatch((l) -> l.equals("event:epoch"));
		assertThat(events).anyMatch((l) -> l.equals("event:progress"));
		// the minibatch objective comes with each progress event (the explorer's live
		// curve)
		assertThat(events).anyMatch((l) -> l.equals("event:loss"));
		assertThat(String.join("\n", events)).contains("\"status\":\"SUCCEEDED\"");

		JsonNode done = this.http.get("/jobs/" + job).body();
		assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
		assertThat(done.get("epochs")).hasSize(3);
		assertThat(done.at("/progress/fraction").asDouble()).isEqualTo(1.0);
		double first = done.at("/epochs/0/validationNegElbo").asDouble();
		double last = done.at("/epochs/2/validationNegElbo").asDouble();
		assertThat(last).isLessThan(first);
		String model = done.get("model").asText();

		double[] x = dev.vae.data.Shapes.generate(9, 0, 1).examples().row(0);
		JsonNode before = this.http.post("/encode", Map.of("inputs", new double[][] { x })).body();
		assertThat(this.http.put("/models/active", Map.of("id", model)).status()).isEqualTo(200);
		JsonNode after = this.http.post("/encode", Map.of("inputs", new double[][] { x })).body();
		assertThat(after.get("model").asText()).isEqualTo(model);
		assertThat(after.at("/results/0/mu")).hasSize(4);
		assertThat(before.at("/results/0/mu")).hasSize(20);
		assertThat(this.http.get("/model").body().get("id").asText()).isEqualTo(model);
		// a request can still address any version
		assertThat(this.http.post("/encode", Map.of("inputs", new double[][] { x }, "model", "default"))
			.body()
			.at("/results/0/mu")).hasSize(20);

		byte[] checkpoint = this.http.bytes("/models/" + model + "/checkpoint");
		assertThat(Checkpoint.read(new ByteArrayInputStream(checkpoint), "download", 1_000_000)
			.manifest()
			.architecture()
			.latentSize()).isEqualTo(4);
		HttpFixture.Answer uploaded = this.http.postBytes("/models", checkpoint, "application/octet-stream");
		assertThat(uploaded.status()).isEqualTo(201);
		String copy = uploaded.body().get("id").asText();
		assertThat(this.http.delete("/models/" + model).status()).isEqualTo(409);
		assertThat(this.http.delete("/models/" + copy).status()).isEqualTo(204);
		assertThat(this.http.get("/models/" + copy).status()).isEqualTo(404);
		assertThat(this.http.delete("/jobs/" + job).status()).isEqualTo(409);
		assertThat(this.http.postBytes("/models", "not a checkpoint".getBytes(), "application/octet-stream").status())
			.isEqualTo(422);
		this.http.put("/models/active", Map.of("id", "default"));
	}

	@Test
	void queueLimitsCancellationAndDatasetsInUse() throws Exception {
		String dataset = dataset(2000, 4);
		String running = this.http.post("/jobs", spec(dataset, 500)).body().get("id").asText();
		waitFor(running, "RUNNING");
		String queued = this.http.post("/jobs", spec(dataset, 500)).body().get("id").asText();
		HttpResponse<String> full = this.http.raw("POST", "/jobs", spec(dataset, 1));
		assertThat(full.statusCode()).isEqualTo(429);
		assertThat(full.headers().firstValue("Retry-After")).contains("30");

		assertThat(this.http.delete("/datasets/" + dataset).status()).isEqualTo(409);

		JsonNode cancelledQueued = this.http.delete("/jobs/" + queued).body();
		assertThat(cancelledQueued.get("status").asText()).isEqualTo("CANCELLED");
		JsonNode cancelledRunning = this.http.delete("/jobs/" + running).body();
		assertThat(cancelledRunning.get("status").asText()).isEqualTo("CANCELLED");
		assertThat(cancelledRunning.has("model")).isFalse();
		assertThat(this.http.get("/jobs?status=CANCELLED").body().get("total").asLong()).isGreaterThanOrEqualTo(2);
		assertThat(this.http.get("/jobs?status=nope").status()).isEqualTo(400);
		assertThat(this.http.get("/models").body()).allMatch((m) -> !running.equals(m.path("jobId").asText()));
		assertThat(this.http.delete("/datasets/" + dataset).status()).isEqualTo(204);
	}

	@Test
	void swappingUnderLoadFailsNoRequest() throws Exception {
		String dataset = dataset(400, 6);
		String job = this.http.post("/jobs", spec(dataset, 1)).body().get("id").asText();
		String model = waitFor(job, "SUCCEEDED").get("model").asText();
		double[] x = dev.vae.data.Shapes.generate(9, 1, 1).examples().row(0);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicLong ok = new AtomicLong();
		AtomicInteger errors = new AtomicInteger();
		ExecutorService load = Executors.newFixedThreadPool(8);
		List<Future<?>> clients = new ArrayList<>();
		for (int c = 0; c < 8; c++) {
			clients.add(load.submit(() -> {
				while (!stop.get()) {
					HttpFixture.Answer answer = this.http.post("/encode", Map.of("inputs", new double[][] { x }));
					int k = (answer.body() == null) ? 0 : answer.body().at("/results/0/mu").size();
					if (answer.status() == 200 && (k == 4 || k == 20)) {
						ok.incrementAndGet();
					}
					else {
						errors.incrementAndGet();
					}
				}
			}));
		}
		try {
			for (int swap = 0; swap < 6; swap++) {
				Thread.sleep(150);
				String target = (swap % 2 == 0) ? model : "default";
				assertThat(this.http.post("/models/" + target + "/activate", "").status()).isEqualTo(200);
			}
			Thread.sleep(150);
		}
		finally {
			stop.set(true);
			for (Future<?> client : clients) {
				client.get();
			}
			load.shutdown();
		}
		System.out.printf("swap under load: %d requests answered, %d errors across 6 swaps%n", ok.get(), errors.get());
		assertThat(errors.get()).isZero();
		assertThat(ok.get()).isGreaterThan(100);
		this.http.put("/models/active", Map.of("id", "default"));
	}

	@Test
	void idxAndCsvUploadsBecomeDatasets() throws Exception {
		java.io.ByteArrayOutputStream images = new java.io.ByteArrayOutputStream();
		java.io.DataOutputStream out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(images));
		out.writeInt(0x803);
		out.writeInt(3);
		out.writeInt(4);
		out.writeInt(4);
		out.write(new byte[48]);
		out.close();
		HttpFixture.Answer idx = this.http.postBytes("/datasets",
				multipart("images", "imgs-idx3-ubyte.gz", images.toByteArray()),
				"multipart/form-data; boundary=" + BOUNDARY);
		assertThat(idx.status()).isEqualTo(201);
		assertThat(idx.body().get("count").asInt()).isEqualTo(3);
		assertThat(idx.body().get("height").asInt()).isEqualTo(4);
		HttpFixture.Answer csv = this.http.postBytes("/datasets",
				multipart("csv", "rows.csv", "0,255\n128,64\n".getBytes()),
				"multipart/form-data; boundary=" + BOUNDARY);
		assertThat(csv.status()).isEqualTo(201);
		assertThat(csv.body().get("width").asInt()).isEqualTo(2);
		HttpFixture.Answer wrongMagic = this.http.postBytes("/datasets",
				multipart("images", "x", new byte[] { 0, 0, 8, 1, 0, 0, 0, 0 }),
				"multipart/form-data; boundary=" + BOUNDARY);
		assertThat(wrongMagic.status()).isEqualTo(400);
		assertThat(wrongMagic.body().get("type").asText()).isEqualTo("/problems/invalid-dataset");
		assertThat(wrongMagic.body().get("detail").asText()).contains("magic number 0x00000801");
	}

	private static final String BOUNDARY = "vaeTestBoundary";

	private static byte[] multipart(String part, String filename, byte[] content) {
		java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
		String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + part + "\"; filename=\""
				+ filename + "\"\r\nContent-Type: application/octet-stream\r\n\r\n";
		body.writeBytes(head.getBytes());
		body.writeBytes(content);
		body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes());
		return body.toByteArray();
	}

	@Test
	void badJobsAndUnknownIdsGetProblems() {
		assertThat(this.http.post("/jobs", Map.of("dataset", "d-missing")).status()).isEqualTo(400);
		assertThat(this.http.get("/jobs/j-missing").status()).isEqualTo(404);
		assertThat(this.http.get("/datasets/d-missing").body().get("type").asText()).isEqualTo("/problems/not-found");
		String dataset = dataset(10, 1);
		HttpFixture.Answer tooManyEpochs = this.http.post("/jobs", Map.of("dataset", dataset, "epochs", 100_000));
		assertThat(tooManyEpochs.status()).isEqualTo(400);
		assertThat(tooManyEpochs.body().get("field").asText()).isEqualTo("epochs");
		HttpFixture.Answer badLikelihood = this.http.post("/jobs", Map.of("dataset", dataset, "likelihood", "poisson"));
		assertThat(badLikelihood.status()).isEqualTo(400);
		assertThat(badLikelihood.body().get("detail").asText()).contains("unknown likelihood 'poisson'");
	}

	@Test
	void trainingOptionsReachTheEpochsTheEventsAndTheModelCard() throws Exception {
		String dataset = dataset(300, 6);
		Map<String, Object> body = new java.util.HashMap<>(spec(dataset, 8));
		body.put("learningRate", 0.01);
		body.put("klWarmup", Map.of("epochs", 2));
		body.put("freeBits", 0.1);
		body.put("earlyStopping", Map.of("patience", 1));
		body.put("lrSchedule", Map.of("type", "step", "every", 1, "gamma", 0.5));
		body.put("clipNorm", 50.0);
		HttpResponse<String> submitted = this.http.raw("POST", "/jobs", body);
		assertThat(submitted.statusCode()).isEqualTo(202);
		String location = submitted.headers().firstValue("Location").orElseThrow();
		List<String> events = this.http.eventLines(location + "/events", 10_000);
		assertThat(events).anyMatch((l) -> l.startsWith("data:") && l.contains("\"activeUnits\""));
		JsonNode done = waitFor(location.substring("/jobs/".length()), "SUCCEEDED", "FAILED");
		assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");

		// 270 training examples in batches of 50: 6 steps an epoch, warm-up over 12
		JsonNode epochs = done.get("epochs");
		int best = 0;
		for (int e = 0; e < epochs.size(); e++) {
			JsonNode epoch = epochs.get(e);
			assertThat(epoch.get("validationKlPerDimension")).hasSize(4);
			double sum = 0;
			for (JsonNode kl : epoch.get("validationKlPerDimension")) {
				sum += kl.asDouble();
			}
			assertThat(sum).isCloseTo(epoch.get("validationKl").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
			assertThat(epoch.get("activeUnits").asInt()).isBetween(0, 4);
			assertThat(epoch.get("beta").asDouble()).isEqualTo(Math.min(1, (6.0 * (e + 1) - 1) / 12));
			assertThat(epoch.get("learningRate").asDouble()).isEqualTo(0.01 * Math.pow(0.5, e));
			if (epoch.get("validationNegElbo").asDouble() < epochs.get(best).get("validationNegElbo").asDouble()) {
				best = e;
			}
		}
		// patience 1: this seeded run stops one epoch after its best (6 of 8 epochs)
		assertThat(epochs.size()).isEqualTo(best + 2).isLessThan(8);

		JsonNode card = this.http.get("/models/" + done.get("model").asText()).body();
		JsonNode training = card.at("/manifest/training");
		assertThat(training.at("/options/freeBits").asDouble()).isEqualTo(0.1);
		assertThat(training.at("/options/klWarmup/epochs").asInt()).isEqualTo(2);
		assertThat(training.at("/options/patience").asInt()).isEqualTo(1);
		assertThat(training.at("/options/schedule/type").asText()).isEqualTo("step");
		assertThat(training.at("/options/clipNorm").asDouble()).isEqualTo(50.0);
		assertThat(training.get("epochsRun").asInt()).isEqualTo(epochs.size());
		assertThat(training.get("bestEpoch").asInt()).isEqualTo(best + 1);
		// the registered parameters are the best epoch's: its validation −ELBO is the
		// card's
		assertThat(card.at("/manifest/metrics/validationNegElbo").asDouble())
			.isEqualTo(epochs.get(best).get("validationNegElbo").asDouble());
	}

	@Test
	void badTrainingOptionsGetProblemsNamingTheField() {
		String dataset = dataset(10, 1);
		Map<String, Object> bad = Map.of("freeBits", -1, "clipNorm", 0, "earlyStopping", Map.of("patience", 0),
				"klWarmup", Map.of("epochs", 2, "steps", 10), "lrSchedule", Map.of("type", "linear"));
		Map<String, String> fields = Map.of("freeBits", "freeBits", "clipNorm", "clipNorm", "earlyStopping",
				"earlyStopping.patience", "klWarmup", "klWarmup", "lrSchedule", "lrSchedule.type");
		for (Map.Entry<String, Object> option : bad.entrySet()) {
			HttpFixture.Answer answer = this.http.post("/jobs",
					Map.of("dataset", dataset, "epochs", 3, option.getKey(), option.getValue()));
			assertThat(answer.status()).as(option.getKey()).isEqualTo(400);
			assertThat(answer.body().get("field").asText()).isEqualTo(fields.get(option.getKey()));
			assertThat(answer.body().get("detail").asText()).startsWith(option.getKey());
		}
		HttpFixture.Answer longWarmup = this.http.post("/jobs",
				Map.of("dataset", dataset, "epochs", 3, "klWarmup", Map.of("epochs", 4)));
		assertThat(longWarmup.body().get("detail").asText()).contains("1..3");
		HttpFixture.Answer stepWithoutEvery = this.http.post("/jobs",
				Map.of("dataset", dataset, "lrSchedule", Map.of("type", "step", "gamma", 0.5)));
		assertThat(stepWithoutEvery.body().get("field").asText()).isEqualTo("lrSchedule.every");
		HttpFixture.Answer cosineAboveRate = this.http.post("/jobs", Map.of("dataset", dataset, "learningRate", 0.001,
				"lrSchedule", Map.of("type", "cosine", "minLearningRate", 0.01)));
		assertThat(cosineAboveRate.body().get("field").asText()).isEqualTo("lrSchedule.minLearningRate");
	}

}

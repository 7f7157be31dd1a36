package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database as the job queue, on the default H2: a queued job is claimed (SELECT … FOR
 * UPDATE SKIP LOCKED) once a slot frees, a job whose lease ran out is re-queued and
 * finished here (or failed after too many resumes), and a cancellation written to the
 * database, as another replica writes it, stops the job.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "server.address=127.0.0.1",
		"vae.jobs.poll-interval=200ms", "vae.jobs.lease=2s", "vae.replica.id=replica-h2" })
class JobQueueTests {

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	JobRepository repository;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	private String dataset(HttpFixture http, int count) {
		return http.post("/datasets/shapes", Map.of("count", count, "seed", 4)).body().get("id").asText();
	}

	@Test
	void aQueuedJobIsClaimedOnceWhenTheSlotFrees() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = dataset(http, 300);
		Map<String, Object> spec = Map.of("dataset", dataset, "hidden", List.of(16), "latentSize", 2, "epochs", 3);
		JsonNode first = http.post("/jobs", spec).body();
		JsonNode second = http.post("/jobs", spec).body();
		assertThat(first.get("status").asText()).isEqualTo("RUNNING");
		assertThat(second.get("status").asText()).isEqualTo("QUEUED");
		for (JsonNode job : List.of(first, second)) {
			String id = job.get("id").asText();
			JsonNode done = waitFor(http, id, "SUCCEEDED");
			assertThat(done.get("replica").asText()).isEqualTo("replica-h2");
			assertThat(this.jdbc.sql("SELECT claims FROM jobs WHERE id = :id")
				.param("id", id)
				.query(Integer.class)
				.single()).isEqualTo(1);
		}
	}

	@Test
	void aJobWhoseLeaseRanOutIsRequeuedAndFinishedByThisReplica() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		orphan(dataset(http, 10), "j-orphan", 0);
		JsonNode done = waitFor(http, "j-orphan", "SUCCEEDED");
		assertThat(done.get("replica").asText()).isEqualTo("replica-h2");
		assertThat(done.at("/resumedFrom/reason").asText()).startsWith("lease expired: replica 'replica-gone'");
		assertThat(done.at("/resumedFrom/summary").asText()).isEqualTo("resumed from epoch 1 / step 0");
		assertThat(done.at("/resumedFrom/resumes").asInt()).isEqualTo(1);
		assertThat(done.has("checkpoint")).isFalse();
	}

	@Test
	void aJobResumedTooOftenFailsInsteadOfRunningAgain() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		orphan(dataset(http, 10), "j-restless", 5);
		JsonNode failed = waitFor(http, "j-restless", "FAILED");
		assertThat(failed.get("error").asText()).startsWith("lease expired: replica 'replica-gone'")
			.endsWith("not resumed again: it was resumed 5 times (vae.jobs.max-resumes)");
	}

	/** A running job of a replica that stopped renewing its lease five seconds ago. */
	private void orphan(String dataset, String id, int resumes) {
		OffsetDateTime past = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(5);
		this.jdbc.sql("INSERT INTO jobs (id, status, spec, dataset_id, created_at, started_at, epoch, total_epochs, "
				+ "step, total_steps, owner, lease_until, claims, resumes) VALUES (:id, 'RUNNING', :spec, :dataset, :t, "
				+ ":t, 0, 1, 0, 0, 'replica-gone', :t, 1, :resumes)")
			.param("id", id)
			.param("spec", "{\"dataset\":\"" + dataset + "\",\"epochs\":1,\"hidden\":[8],\"latentSize\":2}")
			.param("dataset", dataset)
			.param("t", past)
			.param("resumes", resumes)
			.update();
	}

	@Test
	void aRestartRequeuesOnlyTheJobsOfItsOwnReplica() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = dataset(http, 10);
		OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
		for (String[] job : new String[][] { { "j-mine", "replica-h2" }, { "j-theirs", "replica-other" } }) {
			this.jdbc
				.sql("INSERT INTO jobs (id, status, spec, dataset_id, created_at, started_at, epoch, "
						+ "total_epochs, step, total_steps, owner, lease_until, claims) VALUES (:id, 'RUNNING', :spec, "
						+ ":dataset, :t, :t, 0, 1, 0, 0, :owner, :lease, 1)")
				.param("id", job[0])
				.param("spec", "{\"dataset\":\"" + dataset + "\",\"epochs\":1,\"hidden\":[8],\"latentSize\":2}")
				.param("dataset", dataset)
				.param("t", now)
				.param("owner", job[1])
				.param("lease", now.plusMinutes(10))
				.update();
		}
		// what a restart of replica-h2 does before it takes new work
		assertThat(this.repository.requeueRunningOf("replica-h2", JobService.INTERRUPTED, 5)).containsExactly("j-mine");
		JsonNode mine = waitFor(http, "j-mine", "SUCCEEDED");
		assertThat(mine.at("/resumedFrom/reason").asText()).isEqualTo("interrupted by restart");
		assertThat(http.get("/jobs/j-theirs").body().get("status").asText()).isEqualTo("RUNNING");
		this.jdbc.sql("UPDATE jobs SET status = 'FAILED' WHERE id = 'j-theirs'").update();
	}

	@Test
	void aCancellationWrittenByAnotherReplicaStopsTheJob() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = dataset(http, 3000);
		String id = http
			.post("/jobs", Map.of("dataset", dataset, "hidden", List.of(128), "latentSize", 8, "epochs", 400))
			.body()
			.get("id")
			.asText();
		JsonNode view = http.get("/jobs/" + id).body();
		while (view.at("/progress/step").asLong() == 0) {
			Thread.sleep(50);
			view = http.get("/jobs/" + id).body();
		}
		this.jdbc.sql("UPDATE jobs SET cancel_requested = TRUE WHERE id = :id").param("id", id).update();
		JsonNode cancelled = waitFor(http, id, "CANCELLED");
		assertThat(cancelled.has("model")).isFalse();
	}

	private static JsonNode waitFor(HttpFixture http, String job, String status) throws InterruptedException {
		JsonNode view = http.get("/jobs/" + job).body();
		for (int i = 0; i < 600 && !view.get("status").asText().equals(status); i++) {
			assertThat(view.get("status").asText()).isIn("QUEUED", "RUNNING");
			Thread.sleep(100);
			view = http.get("/jobs/" + job).body();
		}
		assertThat(view.get("status").asText()).isEqualTo(status);
		return view;
	}

}

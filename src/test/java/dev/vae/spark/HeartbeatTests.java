package dev.vae.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A driver whose service is gone stops itself: its standard input reaches end of file
 * (the service, its parent, died), or the service's URL stops answering.
 */
class HeartbeatTests {

	@Test
	void theEndOfTheParentsPipeIsNoticed() throws Exception {
		PipedOutputStream parent = new PipedOutputStream();
		CountDownLatch lost = new CountDownLatch(1);
		Heartbeat.watch(new PipedInputStream(parent), lost::countDown);
		parent.write("alive\n".getBytes());
		parent.flush();
		assertThat(lost.await(500, TimeUnit.MILLISECONDS)).isFalse();
		parent.close();
		assertThat(lost.await(5, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void aUrlThatStopsAnsweringIsNoticedAfterTheTimeout() throws Exception {
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		server.createContext("/actuator/health", (exchange) -> {
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		server.start();
		CountDownLatch lost = new CountDownLatch(1);
		Heartbeat.watch(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/actuator/health"),
				Duration.ofMillis(900), lost::countDown);
		// answering: alive for several timeouts
		assertThat(lost.await(2500, TimeUnit.MILLISECONDS)).isFalse();
		server.stop(0);
		assertThat(lost.await(5, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void aDriverWhoseParentsPipeClosesStopsItself(@TempDir Path dir) throws Exception {
		Path spec = dir.resolve("spec.json");
		Files.writeString(spec, "{\"dataset\": \"d\", \"hidden\": [16], \"latentSize\": 2, \"epochs\": 100000, "
				+ "\"batchSize\": 10, \"seed\": 3}");
		try (DriverProcess driver = DriverProcess.start(dir.resolve("driver.log"), "--master", "local[1]", "--spec",
				spec.toString(), "--data", "1", "--format", "shapes", "--count", "200", "--out",
				dir.resolve("model.vae").toString(), "--heartbeat", "stdin")) {
			driver.await(DriverProcess.event("step"), 120);
			// what the kernel does when the service dies
			driver.process.getOutputStream().close();
			JsonNode failed = driver.await(DriverProcess.event("failed"), 30);
			assertThat(failed.get("error").asText()).contains("the service that started this driver is gone");
			assertThat(driver.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(driver.process.exitValue()).isEqualTo(3);
			assertThat(dir.resolve("model.vae")).doesNotExist();
		}
	}

}

package dev.vae;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The S3 test server (Adobe S3Mock 4.x) as its own process on 127.0.0.1, from the
 * executable jar Maven copies to {@code target/s3mock/s3mock.jar}. It is a Spring Boot
 * application itself; a separate JVM keeps its Spring Boot and ours apart.
 */
public final class S3MockServer implements AutoCloseable {

	/** Where the build puts the server's jar (maven-dependency-plugin, see pom.xml). */
	public static final Path JAR = Path.of("target", "s3mock", "s3mock.jar");

	private final Process process;

	private final int port;

	private S3MockServer(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/** Starts the server with one empty bucket, storing under {@code root}. */
	public static S3MockServer start(Path root, String bucket) throws IOException, InterruptedException {
		if (!Files.isRegularFile(JAR)) {
			throw new IllegalStateException(JAR + " is missing: run the tests through Maven (./mvnw test), "
					+ "whose process-test-resources phase copies it");
		}
		int http = ServiceProcess.freePort();
		int https = ServiceProcess.freePort();
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", JAR.toString(),
				"--server.address=127.0.0.1", "--server.port=" + https, "--com.adobe.testing.s3mock.httpPort=" + http,
				"--com.adobe.testing.s3mock.store.root=" + root,
				"--com.adobe.testing.s3mock.store.initialBuckets=" + bucket, "--logging.level.root=WARN"));
		builder.redirectErrorStream(true);
		builder.redirectOutput(root.resolveSibling(root.getFileName() + ".log").toFile());
		S3MockServer server = new S3MockServer(builder.start(), http);
		server.awaitUp();
		return server;
	}

	public URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.port);
	}

	private void awaitUp() throws InterruptedException {
		HttpClient client = HttpClient.newHttpClient();
		for (int i = 0; i < 600; i++) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("S3Mock exited with " + this.process.exitValue());
			}
			try {
				HttpResponse<Void> response = client.send(HttpRequest.newBuilder(endpoint()).GET().build(),
						HttpResponse.BodyHandlers.discarding());
				if (response.statusCode() == 200) {
					return;
				}
			}
			catch (IOException notYet) {
				// not listening yet
			}
			Thread.sleep(100);
		}
		throw new IllegalStateException("S3Mock did not start");
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
		}
	}

}

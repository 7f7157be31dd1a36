package dev.vae;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service as a separate JVM on a free port of 127.0.0.1, for tests whose subject is
 * the process itself: a real SIGKILL, a real heap limit, a real log.
 */
public final class ServiceProcess implements AutoCloseable {

	private final Process process;

	private final int port;

	private final Path log;

	private ServiceProcess(Process process, int port, Path log) {
		this.process = process;
		this.port = port;
		this.log = log;
	}

	/**
	 * Starts the service on {@code storage} with extra JVM options and arguments, and
	 * waits until it is healthy.
	 */
	public static ServiceProcess start(Path storage, int port, List<String> jvmOptions, String... arguments)
			throws IOException, InterruptedException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		List<String> command = new ArrayList<>(List.of(java));
		command.addAll(jvmOptions);
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vae.VaeApplication",
				"--server.port=" + port, "--server.address=127.0.0.1", "--vae.storage.dir=" + storage));
		command.addAll(List.of(arguments));
		ProcessBuilder builder = new ProcessBuilder(command);
		builder.environment().put("OMP_NUM_THREADS", "1");
		builder.redirectErrorStream(true);
		Path log = storage.resolve("service-" + System.nanoTime() + ".log");
		builder.redirectOutput(log.toFile());
		ServiceProcess service = new ServiceProcess(builder.start(), port, log);
		try {
			service.awaitHealthy();
		}
		catch (AssertionError | InterruptedException | RuntimeException ex) {
			// a process that did not come up is not left running behind the test
			service.kill();
			throw ex;
		}
		return service;
	}

	public static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	public HttpFixture http() {
		return new HttpFixture(this.port);
	}

	public int port() {
		return this.port;
	}

	/** What the process has written to its log so far. */
	public String log() throws IOException {
		return java.nio.file.Files.readString(this.log);
	}

	/** SIGKILL, and wait for the process to be gone. */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(30, TimeUnit.SECONDS);
	}

	private void awaitHealthy() throws InterruptedException {
		HttpFixture http = http();
		// three minutes: on a shared 2-core machine at load 15+, a start took over one
		for (int i = 0; i < 1800; i++) {
			if (!this.process.isAlive()) {
				throw new AssertionError("the service exited with " + this.process.exitValue());
			}
			try {
				if (http.get("/actuator/health").status() == 200) {
					return;
				}
			}
			catch (IllegalStateException notYet) {
				// not listening yet
			}
			Thread.sleep(100);
		}
		throw new AssertionError("the service did not become healthy");
	}

	/** SIGTERM, and wait for the process to end. */
	@Override
	public void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
			kill();
		}
	}

}

package dev.vae.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The Spark training application as a real child JVM, as the service starts it: the
 * test's class path and Spark's JVM options, its JSON lines collected as they come.
 */
final class DriverProcess implements AutoCloseable {

	private static final ObjectMapper JSON = new ObjectMapper();

	final Process process;

	private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();

	final List<JsonNode> seen = new ArrayList<>();

	private DriverProcess(Process process) {
		this.process = process;
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					if (line.startsWith("{")) {
						this.lines.add(JSON.readTree(line));
					}
				}
			}
			catch (IOException ex) {
				// the process ended
			}
		}, "driver-lines");
		reader.setDaemon(true);
		reader.start();
	}

	static DriverProcess start(Path log, String... arguments) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx512m");
		for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
			if (option.startsWith("--add-opens") || option.startsWith("-XX:+IgnoreUnrecognized")
					|| option.startsWith("-Dio.netty")) {
				command.add(option);
			}
		}
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkTraining.class.getName()));
		command.addAll(List.of(arguments));
		ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
		builder.environment().put("OMP_NUM_THREADS", "1");
		return new DriverProcess(builder.start());
	}

	/** The next line that matches, waiting up to {@code seconds}. */
	JsonNode await(Predicate<JsonNode> wanted, int seconds) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		while (System.nanoTime() < deadline) {
			JsonNode line = this.lines.poll(200, TimeUnit.MILLISECONDS);
			if (line != null) {
				this.seen.add(line);
				if (wanted.test(line)) {
					return line;
				}
			}
		}
		throw new AssertionError("no such line in " + seconds + " s; seen: " + this.seen);
	}

	static Predicate<JsonNode> event(String name) {
		return (line) -> line.path("event").asText().equals(name);
	}

	@Override
	public void close() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(30, TimeUnit.SECONDS);
	}

}

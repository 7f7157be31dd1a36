package dev.vae.registry;

import dev.vae.system.VaeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * No cold minute: a fresh JVM answers at about half its steady rate until the JIT has
 * compiled the request path, which takes a minute or two of load. Spring Boot turns
 * readiness UP only after its application runners return, and this one, once the web
 * server listens, sends the service real requests over loopback HTTP (every inference
 * door, a few concurrent clients) for {@code vae.warmup.duration}. Liveness is already UP
 * meanwhile; readiness stays REFUSING_TRAFFIC until it is done.
 */
@Component
class RequestWarmup implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(RequestWarmup.class);

	/** Gives up once this many requests failed and none was answered. */
	private static final int HOPELESS = 100;

	private final WarmupSettings settings;

	private final ActiveModel activeModel;

	private final VaeProperties.Security security;

	private final Environment environment;

	private volatile Result result;

	RequestWarmup(WarmupSettings settings, ActiveModel activeModel, VaeProperties properties, Environment environment) {
		this.settings = settings;
		this.activeModel = activeModel;
		this.security = properties.security();
		this.environment = environment;
	}

	/**
	 * What a warm-up did.
	 *
	 * @param answered requests answered 2xx, per call name
	 * @param failed requests answered otherwise or not at all
	 * @param millis how long it took
	 * @param until what ended it
	 */
	record Result(Map<String, Long> answered, long failed, long millis, String until) {

		long total() {
			return this.answered.values().stream().mapToLong(Long::longValue).sum();
		}

	}

	/** The last warm-up's result, or null when none ran. */
	Result result() {
		return this.result;
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		Integer port = this.environment.getProperty("local.server.port", Integer.class);
		if (!this.settings.enabled() || port == null || !this.activeModel.isLoaded()) {
			log.info("Request path not warmed up ({})", !this.settings.enabled() ? "vae.warmup.enabled=false"
					: (port == null) ? "no web server" : "no model");
			return;
		}
		ServedModel model = this.activeModel.get();
		List<WarmupCalls.Call> calls = WarmupCalls.of(model.inputLength(), model.latentSize(), 20);
		this.result = warm(host(), port, calls);
		log.info("Warmed up the request path with {} requests ({} failed) on {} threads in {} ms (until {}); ready",
				this.result.total(), this.result.failed(), this.settings.threads(), this.result.millis(),
				this.result.until());
	}

	private Result warm(String host, int port, List<WarmupCalls.Call> calls) throws InterruptedException {
		Map<String, String> auth = (this.security.protectInference() && !this.security.apiKeys().isEmpty())
				? Map.of("Authorization", "Bearer " + this.security.apiKeys().get(0)) : Map.of();
		List<Integer> order = order(calls);
		JitWatch jit = new JitWatch();
		long started = System.nanoTime();
		long deadline = started + this.settings.duration().toNanos();
		AtomicLongArray answered = new AtomicLongArray(calls.size());
		AtomicLong sent = new AtomicLong();
		AtomicLong failed = new AtomicLong();
		AtomicBoolean firstFailure = new AtomicBoolean(true);
		AtomicBoolean done = new AtomicBoolean();
		List<Thread> threads = new ArrayList<>();
		for (int t = 0; t < this.settings.threads(); t++) {
			int offset = t;
			Thread thread = new Thread(() -> {
				try (WarmupConnection connection = new WarmupConnection(host, port)) {
					for (long n = offset * 7L; !done.get(); n++) {
						if (sent.incrementAndGet() > this.settings.requests()
								|| (failed.get() >= HOPELESS && sent.get() - failed.get() <= 1)) {
							return;
						}
						int c = order.get((int) (n % order.size()));
						WarmupCalls.Call call = calls.get(c);
						String problem = send(connection, call,
								call.bodies().get((int) ((n / order.size()) % call.bodies().size())), auth);
						if (problem == null) {
							answered.incrementAndGet(c);
						}
						else {
							failed.incrementAndGet();
							if (firstFailure.getAndSet(false)) {
								log.warn("Warm-up request {} failed: {}", call.name(), problem);
							}
						}
					}
				}
			}, "warmup-" + t);
			thread.start();
			threads.add(thread);
		}
		// until the JIT has compiled what the load makes hot (at least minDuration), or
		// at most duration
		long minimum = started + this.settings.minDuration().toNanos();
		String until = "vae.warmup.duration";
		while (System.nanoTime() < deadline && threadsAlive(threads)) {
			Thread.sleep(250);
			if (jit.settled() && System.nanoTime() > minimum) {
				until = "the JIT settled";
				break;
			}
		}
		if (!threadsAlive(threads)) {
			until = (failed.get() >= HOPELESS) ? "requests kept failing" : "vae.warmup.requests";
		}
		done.set(true);
		for (Thread thread : threads) {
			thread.join();
		}
		Map<String, Long> counts = new LinkedHashMap<>();
		for (int c = 0; c < calls.size(); c++) {
			counts.put(calls.get(c).name(), answered.get(c));
		}
		return new Result(counts, failed.get(), (System.nanoTime() - started) / 1_000_000, until);
	}

	/** Sends one request; null when it was answered 2xx, else what went wrong. */
	private static String send(WarmupConnection connection, WarmupCalls.Call call, byte[] body,
			Map<String, String> auth) {
		Map<String, String> headers = call.headers();
		if (!auth.isEmpty()) {
			headers = new java.util.HashMap<>(headers);
			headers.putAll(auth);
		}
		try {
			WarmupConnection.Answer answer = connection.post(call.path(), call.contentType(), headers, body);
			if (answer.status() / 100 == 2) {
				return null;
			}
			String text = new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8);
			return "status " + answer.status() + ": " + text.substring(0, Math.min(300, text.length()));
		}
		catch (IOException | RuntimeException ex) {
			return ex.toString();
		}
	}

	/**
	 * The calls in the order the clients take turns with them: each once, /encode (the
	 * most common request) as often as all the others together.
	 */
	private static List<Integer> order(List<WarmupCalls.Call> calls) {
		List<Integer> order = new ArrayList<>();
		for (int c = 0; c < calls.size(); c++) {
			order.add(c);
			if (c > 0) {
				order.add(0);
			}
		}
		return List.copyOf(order);
	}

	private static boolean threadsAlive(List<Thread> threads) {
		return threads.stream().anyMatch(Thread::isAlive);
	}

	/**
	 * Whether the JIT has settled: it compiled for less than 2% of the last two seconds.
	 */
	private static final class JitWatch {

		private final java.lang.management.CompilationMXBean compiler = java.lang.management.ManagementFactory
			.getCompilationMXBean();

		private final long[] history = new long[9];

		private int samples;

		/** Called every 250 ms. */
		boolean settled() {
			if (this.compiler == null || !this.compiler.isCompilationTimeMonitoringSupported()) {
				return false;
			}
			System.arraycopy(this.history, 1, this.history, 0, this.history.length - 1);
			this.history[this.history.length - 1] = this.compiler.getTotalCompilationTime();
			return ++this.samples >= this.history.length
					&& this.history[this.history.length - 1] - this.history[0] < 40;
		}

	}

	/** The server's own address: loopback unless it listens on one address only. */
	private String host() {
		String address = this.environment.getProperty("server.address");
		try {
			if (address == null || InetAddress.getByName(address).isAnyLocalAddress()) {
				return "127.0.0.1";
			}
		}
		catch (IOException ex) {
			return "127.0.0.1";
		}
		return address.contains(":") ? "[" + address + "]" : address;
	}

}

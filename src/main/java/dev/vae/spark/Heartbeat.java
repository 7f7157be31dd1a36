package dev.vae.spark;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * How a driver notices that the service which started it is gone, so that it does not
 * train on, holding a cluster, for a job nobody follows any more. Two signs, either
 * enough:
 * <ul>
 * <li>its standard input reaches end of file: the service started it as a child with a
 * pipe, and the kernel closes the pipe when the service's process ends, also by SIGKILL,
 * which no shutdown hook sees;</li>
 * <li>a URL (the service's health endpoint) has not answered 2xx for a timeout: for a
 * driver started on another host.</li>
 * </ul>
 */
final class Heartbeat {

	private Heartbeat() {
	}

	/**
	 * Runs {@code lost} once {@code in} reaches end of file (or fails), on a daemon
	 * thread; whatever is read is ignored.
	 */
	static Thread watch(InputStream in, Runnable lost) {
		return start("heartbeat-stdin", () -> {
			byte[] buffer = new byte[256];
			try {
				while (in.read(buffer) >= 0) {
					// the service writes nothing; anything written is a sign of life
				}
			}
			catch (IOException ex) {
				// a broken pipe is a closed one
			}
			lost.run();
		});
	}

	/**
	 * Runs {@code lost} once {@code url} has not answered 2xx for {@code timeout}, polled
	 * every third of it, on a daemon thread.
	 */
	static Thread watch(URI url, Duration timeout, Runnable lost) {
		HttpClient client = HttpClient.newBuilder().connectTimeout(timeout.dividedBy(3)).build();
		HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout.dividedBy(3)).GET().build();
		return start("heartbeat-url", () -> {
			long lastAnswer = System.nanoTime();
			while (true) {
				try {
					HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
					if (response.statusCode() / 100 == 2) {
						lastAnswer = System.nanoTime();
					}
				}
				catch (IOException ex) {
					// no answer: counts against the timeout
				}
				catch (InterruptedException ex) {
					return;
				}
				if (System.nanoTime() - lastAnswer > timeout.toNanos()) {
					lost.run();
					return;
				}
				try {
					Thread.sleep(timeout.dividedBy(3).toMillis());
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		});
	}

	private static Thread start(String name, Runnable body) {
		Thread thread = new Thread(body, name);
		thread.setDaemon(true);
		thread.start();
		return thread;
	}

}

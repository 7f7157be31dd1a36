package dev.vae.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds how many memory-heavy requests run at once, so that the heap a hostile client
 * can claim does not grow with the number of connections. Two kinds take a permit for
 * their whole duration: large inference requests (any image, any multipart body, and
 * bodies over {@code vae.intake.large-body} or of unknown length) and uploads (every
 * other multipart or raw body: checkpoints, datasets). A request that finds no permit
 * within {@code vae.intake.max-wait} is answered 429 with Retry-After. Small JSON
 * requests, the usual inference traffic, pass without a permit.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class Admission extends OncePerRequestFilter {

	private final Semaphore large;

	private final Semaphore uploads;

	private final long largeBody;

	private final Duration wait;

	Admission(VaeProperties properties) {
		VaeProperties.Intake intake = properties.intake();
		this.large = new Semaphore(intake.largeRequests(), true);
		this.uploads = new Semaphore(intake.uploads(), true);
		this.largeBody = intake.largeBody().toBytes();
		this.wait = intake.maxWait();
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Semaphore permits = permitsFor(request);
		if (permits == null) {
			chain.doFilter(request, response);
			return;
		}
		boolean acquired;
		try {
			acquired = permits.tryAcquire(this.wait.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			acquired = false;
		}
		if (!acquired) {
			boolean upload = permits == this.uploads;
			response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, this.wait.toSeconds())));
			Problems.write(response,
					Problems.of(HttpStatus.TOO_MANY_REQUESTS, Problems.BUSY, "Busy",
							(upload ? "the configured number of uploads (vae.intake.uploads)"
									: "the configured number of image or large requests (vae.intake.large-requests)")
									+ " is already being served; try again after the Retry-After delay"));
			return;
		}
		try {
			chain.doFilter(request, response);
		}
		finally {
			permits.release();
		}
	}

	/** The pool a request draws from, or null for a small request that needs none. */
	private Semaphore permitsFor(HttpServletRequest request) {
		String type = request.getContentType();
		long length = request.getContentLengthLong();
		boolean hasBody = length > 0 || (length < 0 && request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null);
		if (!hasBody) {
			return null;
		}
		boolean big = length < 0 || length > this.largeBody;
		String path = request.getRequestURI();
		if (path.startsWith("/models") || path.startsWith("/datasets")) {
			boolean upload = type != null
					&& (type.startsWith("multipart/") || type.startsWith("application/octet-stream"));
			return (upload || big) ? this.uploads : null;
		}
		boolean image = type != null && (type.startsWith("image/") || type.startsWith("multipart/"));
		return (image || big) ? this.large : null;
	}

}

package dev.vae.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.URI;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/**
 * The stable {@code type} URIs of the service's problem responses (RFC 9457), one per
 * kind of failure, and the one way every part of the process (advice, filters, the error
 * endpoint, Tomcat's error report) builds and writes a problem.
 */
public final class Problems {

	public static final URI INVALID_INPUT = URI.create("/problems/invalid-input");

	public static final URI MALFORMED_REQUEST = URI.create("/problems/malformed-request");

	public static final URI TOO_LARGE = URI.create("/problems/too-large");

	public static final URI UNSUPPORTED_MEDIA_TYPE = URI.create("/problems/unsupported-media-type");

	public static final URI NOT_FOUND = URI.create("/problems/not-found");

	public static final URI METHOD_NOT_ALLOWED = URI.create("/problems/method-not-allowed");

	public static final URI NOT_ACCEPTABLE = URI.create("/problems/not-acceptable");

	public static final URI NO_MODEL = URI.create("/problems/no-model");

	public static final URI UNAUTHORIZED = URI.create("/problems/unauthorized");

	public static final URI CONFLICT = URI.create("/problems/conflict");

	public static final URI QUEUE_FULL = URI.create("/problems/queue-full");

	public static final URI BUSY = URI.create("/problems/busy");

	public static final URI INSUFFICIENT_MEMORY = URI.create("/problems/insufficient-memory");

	public static final URI INVALID_CHECKPOINT = URI.create("/problems/invalid-checkpoint");

	public static final URI INVALID_DATASET = URI.create("/problems/invalid-dataset");

	public static final URI OUT_OF_RANGE = URI.create("/problems/out-of-range");

	public static final URI REQUEST_TIMEOUT = URI.create("/problems/request-timeout");

	public static final URI HTTP_VERSION = URI.create("/problems/http-version-not-supported");

	public static final URI INTERNAL = URI.create("/problems/internal-error");

	/** The most characters of a {@code detail}: echoed values are cut to fit. */
	public static final int MAX_DETAIL = 400;

	private static final ObjectMapper JSON = new ObjectMapper();

	private Problems() {
	}

	/** The type of a problem known only by its status (the framework's and Tomcat's). */
	public static URI forStatus(int status) {
		return switch (status) {
			case 400 -> MALFORMED_REQUEST;
			case 401 -> UNAUTHORIZED;
			case 404 -> NOT_FOUND;
			case 405 -> METHOD_NOT_ALLOWED;
			case 406 -> NOT_ACCEPTABLE;
			case 408 -> REQUEST_TIMEOUT;
			case 409 -> CONFLICT;
			case 413 -> TOO_LARGE;
			case 415 -> UNSUPPORTED_MEDIA_TYPE;
			case 429 -> BUSY;
			case 503 -> NO_MODEL;
			case 505 -> HTTP_VERSION;
			default -> (status >= 500) ? INTERNAL : URI.create("/problems/http-" + status);
		};
	}

	/** A detail whose length is bounded: anything past {@link #MAX_DETAIL} is cut. */
	public static String bound(String detail) {
		if (detail == null || detail.length() <= MAX_DETAIL) {
			return detail;
		}
		return detail.substring(0, MAX_DETAIL) + "… (cut; " + detail.length() + " characters in all)";
	}

	/** A value as a message may quote it: at most {@code max} characters. */
	public static String quote(String value, int max) {
		if (value == null || value.length() <= max) {
			return value;
		}
		return value.substring(0, max) + "… (" + value.length() + " characters)";
	}

	/** A problem with our type, title and a bounded detail. */
	public static ProblemDetail of(HttpStatusCode status, URI type, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, bound(detail));
		problem.setType(type);
		problem.setTitle(title);
		return problem;
	}

	/** A problem for a bare status: its reason phrase as title, a type by status. */
	public static ProblemDetail ofStatus(int status, String detail) {
		HttpStatus known = HttpStatus.resolve(status);
		String title = (known != null) ? known.getReasonPhrase() : "Error";
		return of(HttpStatusCode.valueOf(status), forStatus(status), title, detail);
	}

	/** The problem as its JSON bytes. */
	public static byte[] toJson(ProblemDetail problem) {
		try {
			return JSON.writeValueAsBytes(problem);
		}
		catch (IOException ex) {
			throw new IllegalStateException("a problem is always serialisable", ex);
		}
	}

	/** Writes a problem as the whole response, for filters that answer before MVC. */
	public static void write(HttpServletResponse response, ProblemDetail problem) throws IOException {
		byte[] body = toJson(problem);
		response.setStatus(problem.getStatus());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		response.setContentLength(body.length);
		if (problem.getStatus() == 429 && response.getHeader(HttpHeaders.RETRY_AFTER) == null) {
			response.setHeader(HttpHeaders.RETRY_AFTER, "1");
		}
		response.getOutputStream().write(body);
		response.flushBuffer();
	}

}

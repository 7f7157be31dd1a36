package dev.vae.system;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/**
 * Tomcat's last word on an error, as a problem document instead of its HTML page. Tomcat
 * answers some requests before they reach Spring — a URI it will not normalise
 * ({@code ..%2f}, {@code %00}), a request line or header too long, a body that stalls —
 * and renders those through the host's error report valve; this one writes RFC 9457
 * problem+json with the type of the status and no server details.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		AtomicBoolean ioAllowed = new AtomicBoolean(false);
		response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
		if (!ioAllowed.get()) {
			return;
		}
		ProblemDetail problem = Problems.ofStatus(status, detail(status));
		try {
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			response.setCharacterEncoding(StandardCharsets.UTF_8.name());
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write(new String(Problems.toJson(problem), StandardCharsets.UTF_8));
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException ex) {
			// the client is gone or the response cannot take a body: nothing more to say
		}
	}

	private static String detail(int status) {
		return switch (status) {
			case 400 -> "the request line, URI or headers are not valid HTTP (a URI that escapes its path, "
					+ "control characters, or a part over the size limit)";
			case 408 -> "the request body did not arrive in time";
			case 413 -> "the request is larger than this service accepts";
			case 414 -> "the request URI is longer than this service accepts";
			case 431 -> "the request headers are larger than this service accepts";
			case 505 -> "this service speaks HTTP/1.1 and HTTP/1.0";
			default -> "the request could not be served";
		};
	}

}

package dev.vae.system;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Hidden;

/**
 * The servlet container's error page, in place of Spring Boot's {@code {"timestamp": …}}
 * one: whatever ends up here — a request the security firewall rejected ({@code %2e%2e},
 * {@code ;jsessionid=}), a body that timed out, an error sent by a filter — is answered
 * as a problem document with the type of its status.
 */
@RestController
@Hidden
class ErrorEndpoint implements ErrorController {

	@RequestMapping(path = "/error", produces = { MediaType.APPLICATION_PROBLEM_JSON_VALUE,
			MediaType.APPLICATION_JSON_VALUE, MediaType.ALL_VALUE })
	ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		int status = (code instanceof Integer i && i >= 400) ? i : 500;
		Object exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
		String detail;
		if (exception instanceof RequestRejectedException) {
			status = 400;
			detail = "the request URI is not accepted: it holds an encoded dot, slash, semicolon, "
					+ "backslash or control character, or a path that escapes its folder";
		}
		else {
			detail = switch (status) {
				case 400 -> "the request is not accepted: its URI holds an encoded dot, slash, semicolon, backslash "
						+ "or control character, or a path that escapes its folder, or the request is not valid HTTP";
				case 404 -> "nothing is served at this path";
				case 408 -> "the request body did not arrive in time";
				case 413 -> "the request is larger than this service accepts";
				default -> (status >= 500) ? "the service failed unexpectedly; the failure has been logged"
						: "the request could not be served";
			};
		}
		ProblemDetail problem = Problems.ofStatus(status, detail);
		if (request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri) {
			try {
				// the multi-argument constructor quotes what a URI may not hold
				problem.setInstance(new java.net.URI(null, null, Problems.quote(uri, 200), null));
			}
			catch (java.net.URISyntaxException ex) {
				// no instance then; the detail says enough
			}
		}
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}

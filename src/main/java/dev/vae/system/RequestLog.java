package dev.vae.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One log line per request on the {@code vae.requests} logger: method, path, status,
 * latency and the model that answered (services record it as the {@link #MODEL} request
 * attribute). For JSON logs set {@code logging.structured.format.console=ecs} (or
 * {@code logstash}); the fields then arrive as key-value pairs.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class RequestLog extends OncePerRequestFilter {

	/** The request attribute naming the model that answered. */
	public static final String MODEL = "vae.model";

	private static final Logger log = LoggerFactory.getLogger("vae.requests");

	private final io.micrometer.core.instrument.MeterRegistry meters;

	public RequestLog(io.micrometer.core.instrument.MeterRegistry meters) {
		this.meters = meters;
	}

	/**
	 * Records which model answers the current request, for the log line and the metrics.
	 */
	public static void model(String id) {
		var attributes = org.springframework.web.context.request.RequestContextHolder.getRequestAttributes();
		if (attributes != null) {
			attributes.setAttribute(MODEL, id, org.springframework.web.context.request.RequestAttributes.SCOPE_REQUEST);
		}
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		long started = System.nanoTime();
		try {
			chain.doFilter(request, response);
		}
		finally {
			long nanos = System.nanoTime() - started;
			Object model = request.getAttribute(MODEL);
			Object pattern = request
				.getAttribute(org.springframework.web.servlet.HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
			if (pattern != null && !request.getRequestURI().startsWith("/actuator")) {
				// per route pattern (not raw path) and model: bounded tag values
				io.micrometer.core.instrument.Timer.builder("vae.requests")
					.description("HTTP requests by endpoint, model and status")
					.tag("method", request.getMethod())
					.tag("endpoint", pattern.toString())
					.tag("model", (model != null) ? model.toString() : "none")
					.tag("status", String.valueOf(response.getStatus()))
					.register(this.meters)
					.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
			}
			if (log.isInfoEnabled() && !request.getRequestURI().startsWith("/actuator")) {
				double ms = nanos / 1e6;
				log.atInfo()
					.addKeyValue("method", request.getMethod())
					.addKeyValue("path", request.getRequestURI())
					.addKeyValue("status", response.getStatus())
					.addKeyValue("latency_ms", Math.round(ms * 100) / 100.0)
					.addKeyValue("model", model)
					.log("{} {} {} {} ms model={}", request.getMethod(), request.getRequestURI(), response.getStatus(),
							String.format("%.2f", ms), (model != null) ? model : "-");
			}
		}
	}

}

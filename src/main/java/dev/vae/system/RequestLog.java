package dev.vae.system;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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

	private final MeterRegistry meters;

	private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

	public RequestLog(MeterRegistry meters) {
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

	/**
	 * The timer of one endpoint, model and status, built once: building a timer's id
	 * sorts its tags and hashes them on every call, which cost several µs a request. The
	 * keys are bounded: route patterns, model ids (bounded by vae.storage.max-models) and
	 * status codes.
	 */
	private Timer timer(String method, String endpoint, String model, int status) {
		TimerKey key = new TimerKey(method, endpoint, model, status);
		Timer timer = this.timers.get(key);
		if (timer == null) {
			timer = this.timers.computeIfAbsent(key,
					(k) -> Timer.builder("vae.requests")
						.description("HTTP requests by endpoint, model and status")
						.tag("method", k.method())
						.tag("endpoint", k.endpoint())
						.tag("model", k.model())
						.tag("status", String.valueOf(k.status()))
						.register(this.meters));
		}
		return timer;
	}

	private record TimerKey(String method, String endpoint, String model, int status) {
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
				timer(request.getMethod(), pattern.toString(), (model != null) ? model.toString() : "none",
						response.getStatus())
					.record(nanos, TimeUnit.NANOSECONDS);
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

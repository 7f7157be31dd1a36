package dev.vae.spark;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training application's report to whoever started it: one JSON object per line on
 * the process's original standard output, each with an {@code event} member
 * ({@code started}, {@code step}, {@code epoch}, {@code finished}, {@code failed}). Logs
 * go to standard error, so a parent can parse every line that starts with '{'.
 */
final class ProgressLines {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final PrintStream out;

	ProgressLines(PrintStream out) {
		this.out = out;
	}

	void emit(String event, Object... pairs) {
		Map<String, Object> line = new LinkedHashMap<>();
		line.put("event", event);
		for (int i = 0; i + 1 < pairs.length; i += 2) {
			Object value = pairs[i + 1];
			if (value instanceof Double d && !Double.isFinite(d)) {
				value = null;
			}
			line.put((String) pairs[i], value);
		}
		try {
			synchronized (this.out) {
				this.out.println(JSON.writeValueAsString(line));
				this.out.flush();
			}
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("a progress line is always serialisable", ex);
		}
	}

}

package dev.vae.training;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-Sent Event streams per job: progress, epoch metrics and status changes as they
 * happen. The replica that trains a job publishes them as they happen; on the others
 * {@link JobQueue} publishes what it reads from the database.
 */
@Component
class JobEvents {

	private static final Logger log = LoggerFactory.getLogger(JobEvents.class);

	/** A stream stays open at most this long; a client reconnects for more. */
	private static final long TIMEOUT_MS = 30 * 60 * 1000L;

	private final Map<String, List<SseEmitter>> streams = new ConcurrentHashMap<>();

	/**
	 * Opens a stream that starts with the job as it is now, and ends at once if the job
	 * has finished.
	 */
	SseEmitter subscribe(String jobId, Object current, boolean finished) {
		SseEmitter emitter = new SseEmitter(TIMEOUT_MS);
		try {
			emitter.send(SseEmitter.event().name("status").data(current));
		}
		catch (IOException ex) {
			emitter.completeWithError(ex);
			return emitter;
		}
		if (finished) {
			emitter.complete();
			return emitter;
		}
		List<SseEmitter> list = this.streams.computeIfAbsent(jobId, (id) -> new CopyOnWriteArrayList<>());
		list.add(emitter);
		emitter.onCompletion(() -> list.remove(emitter));
		emitter.onTimeout(() -> list.remove(emitter));
		emitter.onError((e) -> list.remove(emitter));
		return emitter;
	}

	/** The jobs someone follows here. */
	java.util.Set<String> followed() {
		return java.util.Set.copyOf(this.streams.keySet());
	}

	void publish(String jobId, String event, Object data) {
		List<SseEmitter> list = this.streams.get(jobId);
		if (list == null) {
			return;
		}
		for (SseEmitter emitter : list) {
			try {
				emitter.send(SseEmitter.event().name(event).data(data));
			}
			catch (IOException | IllegalStateException ex) {
				log.debug("Dropping an event stream of job {}: {}", jobId, ex.getMessage());
				list.remove(emitter);
			}
		}
	}

	/** Sends the final status and closes every stream of the job. */
	void finish(String jobId, Object last) {
		publish(jobId, "status", last);
		List<SseEmitter> list = this.streams.remove(jobId);
		if (list != null) {
			list.forEach(SseEmitter::complete);
		}
	}

}

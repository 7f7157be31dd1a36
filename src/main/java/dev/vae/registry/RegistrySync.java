package dev.vae.registry;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;

/**
 * Runs {@link ModelRegistry#sync} every {@code vae.registry.sync-interval} on one named
 * daemon thread, so that every replica serves the model activated on any of them.
 */
@Component
class RegistrySync {

	private static final Logger log = LoggerFactory.getLogger(RegistrySync.class);

	private final ModelRegistry registry;

	private final RegistrySettings settings;

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((r) -> {
		Thread thread = new Thread(r, "registry-sync");
		thread.setDaemon(true);
		return thread;
	});

	RegistrySync(ModelRegistry registry, RegistrySettings settings) {
		this.registry = registry;
		this.settings = settings;
	}

	@PostConstruct
	void start() {
		long millis = Math.max(1, this.settings.syncInterval().toMillis());
		this.scheduler.scheduleWithFixedDelay(this::syncQuietly, millis, millis, TimeUnit.MILLISECONDS);
	}

	@PreDestroy
	void stop() {
		this.scheduler.shutdownNow();
	}

	private void syncQuietly() {
		try {
			this.registry.sync();
		}
		catch (RuntimeException ex) {
			// the database may be briefly unreachable; the next round tries again
			log.warn("Could not follow the active model: {}", ex.getMessage());
		}
	}

}

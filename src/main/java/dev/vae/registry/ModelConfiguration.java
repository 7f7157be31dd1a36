package dev.vae.registry;

import dev.vae.model.NativeThreads;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.CheckpointException;
import dev.vae.storage.ObjectStore;
import dev.vae.system.AtomicFiles;
import dev.vae.system.VaeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Startup: reads the configured checkpoint (a missing or broken one stops the service
 * with a message saying which file and why, see {@link CheckpointFailureAnalyzer}),
 * stores it in the registry as the default model, and serves the model that was active
 * before the last stop, or the default.
 */
@Configuration(proxyBeanMethods = false)
class ModelConfiguration {

	private static final Logger log = LoggerFactory.getLogger(ModelConfiguration.class);

	@Bean
	ActiveModel activeModel() {
		return new ActiveModel(null);
	}

	/**
	 * Readiness: UP once a model is loaded and warmed up (part of the readiness probe
	 * group).
	 */
	/**
	 * Readiness: UP only while the model loaded and warmed up here is the active model
	 * every replica should serve (part of the readiness probe group).
	 */
	@Bean
	org.springframework.boot.actuate.health.HealthIndicator modelHealthIndicator(ActiveModel activeModel,
			ModelRegistry registry) {
		return () -> {
			if (!activeModel.isLoaded()) {
				return org.springframework.boot.actuate.health.Health.outOfService()
					.withDetail("model", "none loaded")
					.build();
			}
			var health = registry.servesActive() ? org.springframework.boot.actuate.health.Health.up()
					: org.springframework.boot.actuate.health.Health.outOfService()
						.withDetail("reason", "not serving the active model yet");
			return health.withDetail("model", activeModel.get().id())
				.withDetail("generation", registry.generation())
				.build();
		};
	}

	@Bean
	ModelRegistry modelRegistry(ModelRepository repository, ActiveModel activeModel, ObjectStore store,
			VaeProperties properties, ResourceLoader resources, io.micrometer.core.instrument.MeterRegistry meters,
			dev.vae.system.CountLimit limits, dev.vae.system.MemoryBudget memory) {
		NativeThreads.configure(properties.nativeThreads());
		String location = properties.model().checkpoint();
		long started = System.nanoTime();
		byte[] bytes = read(location, resources);
		Checkpoint.Loaded loaded = Checkpoint.read(new ByteArrayInputStream(bytes), location,
				properties.model().maxParameters());
		ModelRegistry registry = new ModelRegistry(repository, activeModel, store, properties, meters, limits, memory);
		try {
			int leftovers = 0;
			for (String dir : new String[] { "models", "datasets", "cache/models", "cache/datasets" }) {
				leftovers += AtomicFiles.deleteLeftovers(properties.storage().dir().resolve(dir));
			}
			if (leftovers > 0) {
				log.warn("Deleted {} half-written file(s) left by a previous process", leftovers);
			}
			registry.registerDefault(bytes, loaded.manifest());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot write to the storage directory " + properties.storage().dir(), ex);
		}
		registry.serveStoredActive();
		ServedModel model = activeModel.get();
		log.info("Serving model '{}' ({} parameters, {} likelihood); default from {}; ready in {} ms", model.id(),
				model.manifest().parameterCount(), model.likelihood(), location,
				(System.nanoTime() - started) / 1_000_000);
		return registry;
	}

	private static byte[] read(String location, ResourceLoader resources) {
		// a plain path is a file; anything with a scheme (classpath:, file:, …) goes to
		// Spring's resource loader
		Resource resource = location.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*") ? resources.getResource(location)
				: new FileSystemResource(location);
		try (InputStream in = resource.getInputStream()) {
			return in.readAllBytes();
		}
		catch (FileNotFoundException | NoSuchFileException ex) {
			throw new CheckpointException("checkpoint " + location + " does not exist (set vae.model.checkpoint)");
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + location + " cannot be read: " + ex.getMessage(), ex);
		}
	}

}

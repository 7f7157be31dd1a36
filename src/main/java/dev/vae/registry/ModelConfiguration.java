package dev.vae.registry;

import dev.vae.model.Checkpoint;
import dev.vae.model.CheckpointException;
import dev.vae.model.NativeThreads;
import dev.vae.system.VaeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Loads the configured checkpoint at startup. A checkpoint that is missing or broken
 * stops the service with a message that says which file and why (see
 * {@link CheckpointFailureAnalyzer}): serving nothing is better than serving something
 * unexpected.
 */
@Configuration(proxyBeanMethods = false)
class ModelConfiguration {

	private static final Logger log = LoggerFactory.getLogger(ModelConfiguration.class);

	@Bean
	ActiveModel activeModel(VaeProperties properties, ResourceLoader resources) {
		NativeThreads.configure(properties.nativeThreads());
		String location = properties.model().checkpoint();
		// a plain path is a file; anything with a scheme (classpath:, file:, …) goes to
		// Spring's resource loader
		Resource resource = location.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*") ? resources.getResource(location)
				: new FileSystemResource(location);
		long started = System.nanoTime();
		Checkpoint.Loaded loaded;
		try (InputStream in = resource.getInputStream()) {
			loaded = Checkpoint.read(in, location, properties.model().maxParameters());
		}
		catch (FileNotFoundException | java.nio.file.NoSuchFileException ex) {
			throw new CheckpointException("checkpoint " + location + " does not exist (set vae.model.checkpoint)");
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + location + " cannot be read: " + ex.getMessage(), ex);
		}
		ServedModel model = new ServedModel(loaded.manifest().name(), loaded.manifest(), loaded.network());
		Warmup.run(model);
		log.info("Serving model '{}' ({} parameters, {} likelihood) from {}, loaded and warmed up in {} ms", model.id(),
				loaded.manifest().parameterCount(), model.architecture().likelihood().wireName(), location,
				(System.nanoTime() - started) / 1_000_000);
		return new ActiveModel(model);
	}

}

package dev.vae.registry;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a replica follows the active model.
 *
 * @param syncInterval how often the replica reads the active model from the database and,
 * when another replica activated a different one, loads, warms and swaps to it
 */
@ConfigurationProperties("vae.registry")
record RegistrySettings(@DefaultValue("2s") Duration syncInterval) {
}

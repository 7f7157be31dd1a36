package dev.vae.system;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.stereotype.Component;

/**
 * This replica's name in the database: the owner of the jobs it runs. Configured with
 * {@code vae.replica.id}, or made once (host name and a random suffix) and kept in
 * {@code storage/replica-id}, so that a replica restarted on the same storage knows the
 * jobs its previous life left running and fails them at once instead of waiting for their
 * leases to expire.
 */
@Component
public class ReplicaIdentity {

	private static final Logger log = LoggerFactory.getLogger(ReplicaIdentity.class);

	private final String id;

	ReplicaIdentity(Settings settings, VaeProperties properties) {
		this.id = settings.id().isBlank() ? stored(properties.storage().dir().resolve("replica-id")) : settings.id();
		log.info("Replica id '{}'", this.id);
	}

	public String id() {
		return this.id;
	}

	private static String stored(Path file) {
		try {
			if (Files.exists(file)) {
				String id = Files.readString(file).trim();
				if (!id.isEmpty()) {
					return id;
				}
			}
			String id = host() + "-" + UUID.randomUUID().toString().substring(0, 8);
			AtomicFiles.write(file, id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
			return id;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot keep the replica id in " + file, ex);
		}
	}

	private static String host() {
		try {
			String name = InetAddress.getLocalHost().getHostName();
			return name.length() > 100 ? name.substring(0, 100) : name;
		}
		catch (IOException ex) {
			return "replica";
		}
	}

	/**
	 * @param id this replica's name (at most 200 characters); empty: made once and kept
	 * in the storage directory
	 */
	@ConfigurationProperties("vae.replica")
	record Settings(@DefaultValue("") String id) {
	}

}

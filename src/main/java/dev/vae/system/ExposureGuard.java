package dev.vae.system;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;

import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Safe defaults for deployments: without an API key the service changes state for anyone
 * who can reach it, so it then listens on 127.0.0.1 only (and says so), and a
 * {@code server.address} other than a loopback address without a key stops startup with a
 * message saying how to set one. Runs when the web server is created, before any model is
 * loaded.
 */
@Component
class ExposureGuard implements WebServerFactoryCustomizer<ConfigurableWebServerFactory> {

	private static final Logger log = LoggerFactory.getLogger(ExposureGuard.class);

	private final VaeProperties.Security security;

	private final InetAddress configured;

	ExposureGuard(VaeProperties properties, org.springframework.core.env.Environment environment) {
		this.security = properties.security();
		this.configured = environment.getProperty("server.address", InetAddress.class);
	}

	@Override
	public void customize(ConfigurableWebServerFactory factory) {
		if (hasKey(this.security)) {
			return;
		}
		if (this.configured == null) {
			factory.setAddress(InetAddress.getLoopbackAddress());
			log.warn("No API key configured: listening on {} only. To serve other hosts, set a key "
					+ "(VAE_SECURITY_API_KEYS or vae.security.api-keys) and server.address", loopbackText());
			return;
		}
		if (!this.configured.isLoopbackAddress()) {
			throw new UnsafeExposureException(this.configured.getHostAddress());
		}
		log.warn("No API key configured: listening on {} only", this.configured.getHostAddress());
	}

	static boolean hasKey(VaeProperties.Security security) {
		return security.apiKeys().stream().anyMatch((k) -> !k.isBlank());
	}

	private static String loopbackText() {
		return InetAddress.getLoopbackAddress().getHostAddress();
	}

}

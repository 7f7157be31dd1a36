package dev.vae.system;

import dev.vae.VaeApplication;

import java.net.InetAddress;
import java.nio.file.Path;

import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Without an API key the service listens on loopback only; asked to listen elsewhere
 * without a key it refuses to start.
 */
class ExposureTests {

	@TempDir
	Path dir;

	private ConfigurableApplicationContext start(String... extra) {
		String[] args = new String[extra.length + 2];
		args[0] = "--server.port=0";
		args[1] = "--vae.storage.dir=" + this.dir.resolve("storage");
		System.arraycopy(extra, 0, args, 2, extra.length);
		return new SpringApplicationBuilder(VaeApplication.class).run(args);
	}

	private static InetAddress boundAddress(ConfigurableApplicationContext context) {
		TomcatWebServer server = (TomcatWebServer) ((ServletWebServerApplicationContext) context).getWebServer();
		Connector connector = server.getTomcat().getConnector();
		return (InetAddress) connector.getProperty("address");
	}

	@Test
	void withoutAKeyItListensOnLoopbackOnly() {
		try (ConfigurableApplicationContext context = start()) {
			InetAddress address = boundAddress(context);
			assertThat(address).isNotNull();
			assertThat(address.isLoopbackAddress()).isTrue();
		}
	}

	@Test
	void aPublicAddressWithoutAKeyStopsStartupAndSaysHowToSetOne() {
		assertThatThrownBy(() -> start("--server.address=0.0.0.0"))
			.hasRootCauseInstanceOf(UnsafeExposureException.class)
			.rootCause()
			.hasMessageContaining("server.address=0.0.0.0");
		String hint = new UnsafeExposureFailureAnalyzer().analyze(new UnsafeExposureException("0.0.0.0")).getAction();
		assertThat(hint).contains("VAE_SECURITY_API_KEYS").contains("vae.security.api-keys");
	}

	@Test
	void aPublicAddressWithAKeyStarts() {
		try (ConfigurableApplicationContext context = start("--server.address=0.0.0.0",
				"--vae.security.api-keys=a-key")) {
			assertThat(boundAddress(context).isAnyLocalAddress()).isTrue();
		}
	}

}

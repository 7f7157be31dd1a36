package dev.vae.system;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Says how to set an API key when startup was refused for listening without one. */
class UnsafeExposureFailureAnalyzer extends AbstractFailureAnalyzer<UnsafeExposureException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnsafeExposureException cause) {
		return new FailureAnalysis(
				"Refusing to listen on " + cause.address() + " without an API key: "
						+ "anyone who can reach it could start jobs, upload, activate and delete models.",
				"Set a key: environment VAE_SECURITY_API_KEYS=<a long random string> (comma-separated for several; "
						+ "e.g. VAE_SECURITY_API_KEYS=$(openssl rand -hex 32)) or the property vae.security.api-keys; "
						+ "docker-compose.yml takes VAE_API_KEY. Or listen on 127.0.0.1 only (server.address=127.0.0.1, "
						+ "the default without a key).",
				cause);
	}

}

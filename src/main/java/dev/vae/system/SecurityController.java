package dev.vae.system;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What a client needs to know before it calls: whether this service wants an API key, for
 * what, and whether the key it sent (if any) is accepted. The explorer page asks it to
 * say so before the first call fails, and to check a key when one is entered; like every
 * GET it is open, and it never reveals a key.
 */
@RestController
@Tag(name = "Security", description = "Whether an API key is needed, and whether the one sent is accepted")
class SecurityController {

	private final VaeProperties.Security security;

	SecurityController(VaeProperties properties) {
		this.security = properties.security();
	}

	record SecurityView(
			@Schema(description = "whether requests that change state (training, uploads, activation, deletion) need "
					+ "'Authorization: Bearer <api key>'") boolean apiKeyRequired,
			@Schema(description = "whether the inference endpoints (/encode, /decode, /reconstruct, /sample, /loss, "
					+ "/v2) need the key too (vae.security.protect-inference)") boolean inferenceNeedsKey,
			@Schema(description = "whether this request carried an accepted key") boolean keyAccepted) {
	}

	@GetMapping("/security")
	@Operation(summary = "Whether an API key is needed, and whether this request's key is accepted")
	SecurityView security() {
		boolean required = ExposureGuard.hasKey(this.security);
		Authentication auth = SecurityContextHolder.getContext().getAuthentication();
		boolean accepted = required && auth != null && auth.isAuthenticated() && "api-key".equals(auth.getName());
		return new SecurityView(required, required && this.security.protectInference(), accepted);
	}

}

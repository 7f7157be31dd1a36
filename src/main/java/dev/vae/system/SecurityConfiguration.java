package dev.vae.system;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

import org.springframework.context.annotation.Bean;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * API-key authentication. When keys are configured ({@code vae.security.api-keys},
 * environment {@code VAE_SECURITY_API_KEYS}, comma-separated), requests that change state
 * — anything but GET/HEAD/OPTIONS outside the inference endpoints — need
 * {@code Authorization: Bearer <key>}; inference stays open unless
 * {@code vae.security.protect-inference} is set. Keys are compared as SHA-256 digests in
 * constant time and never logged. Without keys, nothing is protected (the service says so
 * at startup).
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

	static final List<String> INFERENCE = List.of("/encode", "/decode", "/reconstruct", "/sample", "/loss", "/score");

	/**
	 * No observation around each security filter: with it, every request started and
	 * stopped eleven observations and registered a counter per event, about 15 µs of CPU
	 * a request (bench/RESULTS.md); {@code http.server.requests} and {@code vae.requests}
	 * still time every request.
	 */
	@Bean
	static SecurityObservationSettings securityObservationSettings() {
		return SecurityObservationSettings.noObservations();
	}

	/**
	 * No users and no logins: API keys are the only credentials. Declaring this keeps
	 * Spring Boot from creating an in-memory user with a generated password, and from
	 * printing that password at startup.
	 */
	@Bean
	org.springframework.security.core.userdetails.UserDetailsService noUsers() {
		return (username) -> {
			throw new org.springframework.security.core.userdetails.UsernameNotFoundException(
					"this service has no users; it accepts API keys");
		};
	}

	@Bean
	SecurityFilterChain api(HttpSecurity http, VaeProperties properties) throws Exception {
		VaeProperties.Security security = properties.security();
		List<byte[]> keys = security.apiKeys()
			.stream()
			.filter((k) -> !k.isBlank())
			.map(SecurityConfiguration::digest)
			.toList();
		http.csrf((c) -> c.disable())
			.httpBasic((b) -> b.disable())
			.formLogin((f) -> f.disable())
			.logout((l) -> l.disable())
			.requestCache((r) -> r.disable())
			.sessionManagement((s) -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.addFilterBefore(new BearerKeyFilter(keys), AnonymousAuthenticationFilter.class)
			.exceptionHandling((e) -> e.authenticationEntryPoint((request, response, ex) -> problem(response,
					HttpStatus.UNAUTHORIZED, "this request needs 'Authorization: Bearer <api key>'")));
		if (keys.isEmpty()) {
			http.authorizeHttpRequests((a) -> a.anyRequest().permitAll());
			return http.build();
		}
		http.authorizeHttpRequests((a) -> {
			// the error page answers for a request already judged; it must not turn into
			// a 401
			a.dispatcherTypeMatchers(DispatcherType.ERROR).permitAll();
			a.requestMatchers(HttpMethod.GET).permitAll();
			a.requestMatchers(HttpMethod.HEAD).permitAll();
			a.requestMatchers(HttpMethod.OPTIONS).permitAll();
			if (!security.protectInference()) {
				a.requestMatchers(HttpMethod.POST, INFERENCE.toArray(String[]::new)).permitAll();
				a.requestMatchers(HttpMethod.POST, "/v2/**").permitAll();
			}
			a.anyRequest().authenticated();
		});
		return http.build();
	}

	static byte[] digest(String key) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every Java platform", ex);
		}
	}

	private static void problem(HttpServletResponse response, HttpStatus status, String detail) throws IOException {
		response.setHeader("WWW-Authenticate", "Bearer");
		Problems.write(response, Problems.of(status, Problems.UNAUTHORIZED, "Unauthorized", detail));
	}

	/** Authenticates a request whose bearer token matches a configured key. */
	private static final class BearerKeyFilter extends OncePerRequestFilter {

		private final List<byte[]> keys;

		BearerKeyFilter(List<byte[]> keys) {
			this.keys = keys;
		}

		@Override
		protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
				throws ServletException, IOException {
			String header = request.getHeader("Authorization");
			if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
					&& matches(header.substring(7).trim())) {
				SecurityContextHolder.getContext()
					.setAuthentication(UsernamePasswordAuthenticationToken.authenticated("api-key", null,
							AuthorityUtils.createAuthorityList("ROLE_CLIENT")));
			}
			chain.doFilter(request, response);
		}

		private boolean matches(String presented) {
			byte[] digest = digest(presented);
			boolean match = false;
			for (byte[] key : this.keys) {
				// constant time per key, and every key is compared
				match |= MessageDigest.isEqual(key, digest);
			}
			return match;
		}

	}

}

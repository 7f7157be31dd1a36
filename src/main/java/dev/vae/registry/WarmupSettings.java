package dev.vae.registry;

import jakarta.validation.constraints.Positive;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the service warms its own request path before readiness turns UP: real requests
 * over loopback HTTP to its own port, so that JSON parsing, the micro-batcher, the passes
 * and JSON writing are compiled before the first client arrives.
 *
 * @param enabled whether to warm up at all (false: ready as soon as the model is loaded)
 * @param minDuration how long to send warm-up requests at least; after that the warm-up
 * ends as soon as the JIT compiler has settled (compiled for less than 2% of two seconds)
 * @param duration how long to send warm-up requests at most
 * @param requests stop earlier once this many requests were answered
 * @param threads concurrent warm-up clients (more than one, so that the micro-batcher's
 * shared passes are exercised too)
 */
@ConfigurationProperties("vae.warmup")
@Validated
record WarmupSettings(@DefaultValue("true") boolean enabled, @DefaultValue("10s") Duration minDuration,
		@DefaultValue("60s") Duration duration, @DefaultValue("1000000") @Positive int requests,
		@DefaultValue("4") @Positive int threads) {
}

package dev.vae.registry;

import dev.vae.VaeApplication;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request-path warm-up runs over real HTTP once the server listens, answers on every
 * inference door, and readiness turns UP only after it; liveness before it.
 */
class RequestWarmupTests {

	@TempDir
	Path dir;

	/** The warm-up's result at each availability change, in order. */
	private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

	private ConfigurableApplicationContext start(String... extra) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
				"--vae.storage.dir=" + this.dir.resolve("storage"), "--vae.warmup.min-duration=1s",
				"--vae.warmup.duration=3s", "--vae.warmup.threads=2"));
		args.addAll(List.of(extra));
		ApplicationListener<ApplicationEvent> listener = (event) -> {
			if (event instanceof AvailabilityChangeEvent<?> change) {
				RequestWarmup warmup = ((ApplicationContext) change.getSource()).getBean(RequestWarmup.class);
				this.seen.add(change.getState() + " " + ((warmup.result() != null) ? "after" : "before"));
			}
		};
		return new SpringApplicationBuilder(VaeApplication.class).listeners(listener).run(args.toArray(String[]::new));
	}

	@Test
	void everyDoorIsWarmedBeforeReadinessEvenWithProtectedInference() {
		try (ConfigurableApplicationContext context = start("--vae.security.api-keys=warm-key-0123456789",
				"--vae.security.protect-inference=true")) {
			RequestWarmup.Result result = context.getBean(RequestWarmup.class).result();
			assertThat(result).isNotNull();
			assertThat(result.failed()).isZero();
			assertThat(result.answered()).hasSize(10).allSatisfy((name, count) -> assertThat(count).isPositive());
			assertThat(result.millis()).isBetween(1_000L, 60_000L);
			assertThat(this.seen).containsSubsequence(LivenessState.CORRECT + " before",
					ReadinessState.ACCEPTING_TRAFFIC + " after");
			assertThat(this.seen).doesNotContain(ReadinessState.ACCEPTING_TRAFFIC + " before");
		}
	}

	@Test
	void disabledItLeavesReadinessToTheModel() {
		try (ConfigurableApplicationContext context = start("--vae.warmup.enabled=false")) {
			assertThat(context.getBean(RequestWarmup.class).result()).isNull();
			assertThat(this.seen).contains(ReadinessState.ACCEPTING_TRAFFIC + " before");
		}
	}

}

package dev.vae.inference;

import dev.vae.model.network.Encoding;
import dev.vae.model.network.Passes;
import dev.vae.registry.ServedModel;
import dev.vae.system.VaeProperties;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

/**
 * The passes requests use: micro-batched per network when {@code vae.batching.enabled},
 * else the network itself. Batch sizes are recorded as the {@code vae.batch.rows}
 * distribution (tag {@code pass}).
 */
@Component
class Batching {

	private final VaeProperties.Batching settings;

	private final ExecutorService executor;

	private final DistributionSummary encodeRows;

	private final DistributionSummary decodeRows;

	private final io.micrometer.core.instrument.Timer waits;

	private final Map<Passes, Passes> batched = new WeakHashMap<>();

	Batching(VaeProperties properties, MeterRegistry meters) {
		this.settings = properties.batching();
		AtomicInteger threads = new AtomicInteger();
		this.executor = Executors.newFixedThreadPool(Math.max(1, this.settings.threads()), (r) -> {
			Thread t = new Thread(r, "inference-batch-" + threads.incrementAndGet());
			t.setDaemon(true);
			return t;
		});
		this.encodeRows = DistributionSummary.builder("vae.batch.rows")
			.description("rows per batched forward pass")
			.tag("pass", "encode")
			.register(meters);
		this.waits = io.micrometer.core.instrument.Timer.builder("vae.batch.wait")
			.description("time a request waits for its batched pass")
			.register(meters);
		this.decodeRows = DistributionSummary.builder("vae.batch.rows")
			.description("rows per batched forward pass")
			.tag("pass", "decode")
			.register(meters);
	}

	private void recordWait(long nanos) {
		this.waits.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
	}

	@PreDestroy
	void stop() {
		this.executor.shutdownNow();
	}

	/**
	 * The passes every entry point uses for {@code model}: micro-batched when enabled,
	 * always checked for results out of float range.
	 */
	Passes of(ServedModel model) {
		Passes network = model.network();
		if (!this.settings.enabled()) {
			return Passes.checked(network);
		}
		synchronized (this.batched) {
			return this.batched.computeIfAbsent(network, (n) -> Passes.checked(batch(n, model.latentSize())));
		}
	}

	private Passes batch(Passes network, int k) {
		long wait = this.settings.maxWait().toNanos();
		// μ and log σ² side by side, so one batcher carries both
		MicroBatcher encoder = new MicroBatcher((x) -> network.encode(x).joined(), this.executor,
				this.settings.maxBatch(), wait, this.encodeRows::record, this::recordWait);
		MicroBatcher decoder = new MicroBatcher(network::decodeLogits, this.executor, this.settings.maxBatch(), wait,
				this.decodeRows::record, this::recordWait);
		return new Passes() {
			@Override
			public Encoding encode(double[][] inputs) {
				return Encoding.split(encoder.apply(inputs), k);
			}

			@Override
			public double[][] decodeLogits(double[][] z) {
				return decoder.apply(z);
			}
		};
	}

}

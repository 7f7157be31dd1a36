package dev.vae.inference;

import dev.vae.model.checkpoint.FormatOneCheckpoint;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Passes;
import dev.vae.registry.ServedModel;
import dev.vae.system.VaeProperties;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Batched answers are exactly the unbatched ones, and concurrent callers really share
 * passes.
 */
class MicroBatcherTests {

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private final ExecutorService callers = Executors.newFixedThreadPool(16);

	@AfterEach
	void stop() {
		this.callers.shutdownNow();
	}

	private static ServedModel defaultModel() throws Exception {
		try (InputStream in = MicroBatcherTests.class.getResourceAsStream("/models/default.vae")) {
			FormatOneCheckpoint.Loaded loaded = FormatOneCheckpoint.read(in, "default", 10_000_000);
			return ServedModel.of("default", loaded.manifest(), loaded.network());
		}
	}

	private Batching batching(Duration maxWait) {
		return new Batching(new VaeProperties(null, null, 1, null, null,
				new VaeProperties.Batching(true, 32, maxWait, 1), null, null), this.meters);
	}

	@Test
	void concurrentCallersGetExactlyTheirUnbatchedAnswers() throws Exception {
		ServedModel model = defaultModel();
		dev.vae.model.network.Passes direct = model.network();
		Passes batched = batching(Duration.ofMillis(2)).of(model);
		int n = 200;
		double[][][] inputs = new double[n][][];
		for (int i = 0; i < n; i++) {
			inputs[i] = new double[1 + i % 3][];
			for (int r = 0; r < inputs[i].length; r++) {
				inputs[i][r] = dev.vae.data.Shapes.generate(4, i * 3 + r, 1).examples().row(0);
			}
		}
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Encoding>> encodings = new ArrayList<>();
		List<Future<double[][]>> decodings = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			double[][] x = inputs[i];
			encodings.add(this.callers.submit(() -> {
				start.await();
				return batched.encode(x);
			}));
			decodings.add(this.callers.submit(() -> {
				start.await();
				return batched.decodeLogits(new double[][] { new double[20] });
			}));
		}
		start.countDown();
		double worst = 0;
		for (int i = 0; i < n; i++) {
			Encoding alone = direct.encode(inputs[i]);
			Encoding together = encodings.get(i).get();
			worst = Math.max(worst, closeness(together.mu(), alone.mu()));
			worst = Math.max(worst, closeness(together.logvar(), alone.logvar()));
			worst = Math.max(worst,
					closeness(decodings.get(i).get(), direct.decodeLogits(new double[][] { new double[20] })));
		}
		System.out.printf("batched vs unbatched: largest difference %.3g (relative to max(1, |value|))%n", worst);
		// OpenBLAS sums a row's 784 (then 400) products in an order that depends on the
		// batch's size and the row's
		// place in it: results agree to float32 rounding of such sums (2⁻²⁴·√784 ≈
		// 1.7e-6), not bit for bit
		assertThat(worst).isLessThan(1e-5);
		DistributionSummary rows = this.meters.get("vae.batch.rows").tag("pass", "encode").summary();
		// 200 requests of 1–3 rows; sharing passes means fewer passes than requests and
		// some of several rows
		assertThat(rows.count()).isLessThan(n);
		assertThat(rows.max()).isGreaterThan(3);
		assertThat(rows.totalAmount()).isEqualTo(sum(inputs));
	}

	@Test
	void aLoneCallerRunsItsPassOnItsOwnThreadAndCallersArrivingDuringAPassAreServedAfterIt() throws Exception {
		List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
		CountDownLatch passing = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		MicroBatcher batcher = new MicroBatcher((x) -> {
			threads.add(Thread.currentThread().getName());
			if (x[0][0] == 1) {
				passing.countDown();
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return x;
		}, this.callers, 32, 0, (rows) -> {
		});
		assertThat(batcher.apply(new double[][] { { 0 } })).isDeepEqualTo(new double[][] { { 0 } });
		assertThat(threads).containsExactly(Thread.currentThread().getName());
		// a leader blocked in its pass: callers arriving meanwhile are served after it,
		// by
		// a drain on the executor, and the leader returns as soon as its own rows are
		// done
		Future<double[][]> leader = this.callers.submit(() -> batcher.apply(new double[][] { { 1 } }));
		passing.await();
		Future<double[][]> follower = this.callers.submit(() -> batcher.apply(new double[][] { { 2 } }));
		release.countDown();
		assertThat(leader.get()).isDeepEqualTo(new double[][] { { 1 } });
		assertThat(follower.get()).isDeepEqualTo(new double[][] { { 2 } });
	}

	@Test
	void aFailingPassFailsOnlyItsCallersWithTheirError() {
		MicroBatcher failing = new MicroBatcher((x) -> {
			throw new IllegalArgumentException("bad rows");
		}, Runnable::run, 32, 0, (rows) -> {
		});
		assertThatThrownBy(() -> failing.apply(new double[][] { { 1 } })).isInstanceOf(IllegalArgumentException.class)
			.hasMessage("bad rows");
		MicroBatcher echo = new MicroBatcher((x) -> x, Runnable::run, 32, 0, (rows) -> {
		});
		assertThat(echo.apply(new double[][] { { 7 } })).isDeepEqualTo(new double[][] { { 7 } });
	}

	@Test
	void withBatchingOffThePassesGiveTheNetworksOwnAnswersBitForBit() throws Exception {
		ServedModel model = defaultModel();
		Batching off = new Batching(new VaeProperties(null, null, 1, null, null,
				new VaeProperties.Batching(false, 32, Duration.ZERO, 1), null, null), this.meters);
		double[][] x = { dev.vae.data.Shapes.generate(4, 0, 1).examples().row(0) };
		assertThat(off.of(model).encode(x).mu()).isDeepEqualTo(model.network().encode(x).mu());
		assertThat(off.of(model).decodeLogits(new double[1][20]))
			.isDeepEqualTo(model.network().decodeLogits(new double[1][20]));
		assertThat(this.meters.find("vae.batch.rows").summaries()).allMatch((s) -> s.count() == 0);
	}

	/** The largest |a − b| / max(1, |b|) over two matrices of the same shape. */
	private static double closeness(double[][] a, double[][] b) {
		assertThat(a.length).isEqualTo(b.length);
		double worst = 0;
		for (int i = 0; i < a.length; i++) {
			assertThat(a[i]).hasSameSizeAs(b[i]);
			for (int j = 0; j < a[i].length; j++) {
				worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]) / Math.max(1, Math.abs(b[i][j])));
			}
		}
		return worst;
	}

	private static double sum(double[][][] inputs) {
		double rows = 0;
		for (double[][] x : inputs) {
			rows += x.length;
		}
		return rows;
	}

}

package dev.vae.bench;

import dev.vae.model.NativeThreads;
import dev.vae.model.analysis.LossAnalysis;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.network.Network;
import dev.vae.model.network.Passes;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;

/**
 * The /loss analysis of one random 4-decimal input (L = 1, L = 16, IWAE k = 100) in CPU
 * µs per call of the calling thread (OpenBLAS runs on it with one native thread): on a
 * machine shared by several busy processes a wall-clock benchmark (JMH) measures the
 * queue for the cores, thread CPU time much less so. Best of 5 rounds after 10 of
 * warm-up.
 * {@code java -cp target/test-classes:target/classes:<test class path> dev.vae.bench.LossCpuTime}
 */
public final class LossCpuTime {

	private LossCpuTime() {
	}

	public static void main(String[] args) throws Exception {
		NativeThreads.configure(1);
		Checkpoint.Loaded loaded;
		try (InputStream in = LossCpuTime.class.getResourceAsStream("/models/default.vae")) {
			loaded = Checkpoint.read(in, "default", 10_000_000);
		}
		// the passes /loss is served by (one input: weights held on the heap)
		Passes network = loaded.passes();
		Network model = loaded.network();
		SplittableRandom random = new SplittableRandom(7);
		double[][] x = new double[1][784];
		for (int j = 0; j < 784; j++) {
			x[0][j] = random.nextInt(10_001) / 10_000.0;
		}
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		int[][] cases = { { 1, 0 }, { 16, 0 }, { 0, 100 } };
		String[] names = { "loss, L = 1", "loss, L = 16", "IWAE, k = 100" };
		for (int c = 0; c < cases.length; c++) {
			LossAnalysis.Options options = new LossAnalysis.Options(1, cases[c][0], cases[c][1], 1, true);
			int calls = (cases[c][1] > 0) ? 20 : 300;
			double best = Double.MAX_VALUE;
			for (int round = -10; round < 5; round++) {
				long start = threads.getCurrentThreadCpuTime();
				for (int i = 0; i < calls; i++) {
					LossAnalysis.analyse(network, model.architecture().head(), model.latentSize(), x, options);
				}
				double micros = (threads.getCurrentThreadCpuTime() - start) / 1e3 / calls;
				if (round >= 0) {
					best = Math.min(best, micros);
				}
			}
			System.out.printf("| %s | %.1f |%n", names[c], best);
		}
	}

}

package dev.vae.bench;

import dev.vae.data.Shapes;
import dev.vae.model.Examples;
import dev.vae.model.NativeThreads;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Activation;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.model.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code TrainingBenchmark}'s run (the 784-400-20 Bernoulli MLP, batch 100, Adam 1e-3,
 * the built-in shapes) timed in CPU time of the training thread (OpenBLAS on it with one
 * native thread) instead of wall time: on the shared machine the wall clock measures the
 * queue for the cores. Prints the median over the epochs after the first of the CPU
 * milliseconds per minibatch step. Arguments: epochs (default 5), examples (default
 * 10,000). Uses only the trainer's long-standing API, so the same file compiles against
 * an older build for a before/after.
 */
public final class TrainingCpuTime {

	private TrainingCpuTime() {
	}

	public static void main(String[] args) {
		int epochs = (args.length > 0) ? Integer.parseInt(args[0]) : 5;
		int count = (args.length > 1) ? Integer.parseInt(args[1]) : 10_000;
		NativeThreads.configure(1);
		Examples train = Shapes.generate(1, 0, count).examples();
		Examples validation = Shapes.generate(1, count, 100).examples();
		Network network = Network.initialise(Presets.mlp(List.of(1, 28, 28), List.of(400), 20,
				Activation.of(Activation.Function.RELU), new DecoderHead.Bernoulli(), 1.0), DataType.FLOAT, 42);
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long[] cpu = { 0, threads.getCurrentThreadCpuTime() };
		long[] steps = { 0 };
		List<Double> perStep = new ArrayList<>();
		new Trainer(new Trainer.Settings(epochs, 100, 1e-3, 42), new Trainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				long now = threads.getCurrentThreadCpuTime();
				cpu[0] += now - cpu[1];
				cpu[1] = now;
				steps[0]++;
			}

			@Override
			public void onEpoch(Trainer.EpochMetrics m) {
				perStep.add(cpu[0] / 1e6 / steps[0]);
				System.out.printf("epoch %d: %.3f CPU ms per step%n", m.epoch(), cpu[0] / 1e6 / steps[0]);
				cpu[0] = 0;
				steps[0] = 0;
				cpu[1] = threads.getCurrentThreadCpuTime();
			}
		}).train(network, train, validation);
		List<Double> after = new ArrayList<>(perStep.subList(Math.min(1, perStep.size() - 1), perStep.size()));
		Collections.sort(after);
		System.out.printf("median CPU ms per step %.3f (epochs after the first)%n", after.get(after.size() / 2));
	}

}

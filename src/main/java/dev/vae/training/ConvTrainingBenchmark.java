package dev.vae.training;

import dev.vae.data.Shapes;
import dev.vae.model.Examples;
import dev.vae.model.NativeThreads;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.model.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;
import java.util.List;

/**
 * Training throughput of the conv preset (Bernoulli decoder, Adam 1e-3, one thread) on
 * the built-in shapes: the median time of a minibatch step (forward, backward, Adam)
 * after five warm-up steps, as {@code bench/conv_pytorch.py} measures the same
 * architecture in PyTorch. Arguments: channels (1), size (28), latent size (20), batch
 * (64), steps (30), threads of the training thread (1).
 */
public final class ConvTrainingBenchmark {

	private ConvTrainingBenchmark() {
	}

	public static void main(String[] args) {
		int channels = (args.length > 0) ? Integer.parseInt(args[0]) : 1;
		int size = (args.length > 1) ? Integer.parseInt(args[1]) : 28;
		int latent = (args.length > 2) ? Integer.parseInt(args[2]) : 20;
		int batch = (args.length > 3) ? Integer.parseInt(args[3]) : 64;
		int steps = (args.length > 4) ? Integer.parseInt(args[4]) : 30;
		int threads = (args.length > 5) ? Integer.parseInt(args[5]) : 1;
		NativeThreads.configure(1);
		// as a training job: its own thread's OpenMP threads (vae.training.threads)
		NativeThreads.forThisThread(threads);
		Architecture architecture = Presets.conv(List.of(channels, size, size), latent, new DecoderHead.Bernoulli(),
				1.0);
		Examples train = Shapes.generate(1, 0, batch * steps, size, channels).examples();
		Examples validation = Shapes.generate(1, batch * steps, 8, size, channels).examples();
		Network network = Network.initialise(architecture, DataType.FLOAT, 1);
		double[] ms = new double[steps];
		double[] cpu = new double[steps];
		java.lang.management.ThreadMXBean clock = java.lang.management.ManagementFactory.getThreadMXBean();
		long[] last = { System.nanoTime(), clock.getCurrentThreadCpuTime() };
		new Trainer(new Trainer.Settings(1, batch, 1e-3, 1), new Trainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				long now = System.nanoTime();
				long cpuNow = clock.getCurrentThreadCpuTime();
				ms[(int) step - 1] = (now - last[0]) / 1e6;
				cpu[(int) step - 1] = (cpuNow - last[1]) / 1e6;
				last[0] = now;
				last[1] = cpuNow;
			}
		}).train(network, train, validation);
		double[] steady = Arrays.copyOfRange(ms, Math.min(5, steps - 1), steps);
		Arrays.sort(steady);
		double median = steady[steady.length / 2];
		double[] steadyCpu = Arrays.copyOfRange(cpu, Math.min(5, steps - 1), steps);
		Arrays.sort(steadyCpu);
		System.out.printf(
				"ours conv %dx%dx%d widths %s latent %d (%d parameters): %.1f ms/step at batch %d, "
						+ "%.0f examples/s (%d thread(s); the training thread's CPU time %.1f ms/step)%n",
				channels, size, size, widths(architecture), latent, architecture.parameterCount(), median, batch,
				batch / (median / 1000), threads, steadyCpu[steadyCpu.length / 2]);
	}

	private static String widths(Architecture architecture) {
		return architecture.encoder()
			.stream()
			.filter((l) -> l instanceof dev.vae.model.layer.Conv2d)
			.map((l) -> String.valueOf(((dev.vae.model.layer.Conv2d) l).out()))
			.toList()
			.toString();
	}

}

package dev.vae.training;

import dev.vae.data.Idx;
import dev.vae.data.Shapes;
import dev.vae.model.Examples;
import dev.vae.model.NativeThreads;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Activation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.model.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * Training throughput of the 784-400-20 Bernoulli VAE, batch 100, Adam, on the built-in
 * shapes: examples per second over the minibatch steps alone (the per-epoch evaluation is
 * timed separately and excluded). Prints one line per epoch and a final
 * {@code examples/s} line. Arguments: epochs (default 3), examples (default 10,000), and
 * optionally an IDX image file to train on instead (the peer's {@code blobs.py} writes
 * the 20,000 images its PyTorch benchmark trains on; the last 100 are held out).
 */
public final class TrainingBenchmark {

	private TrainingBenchmark() {
	}

	public static void main(String[] args) {
		int epochs = (args.length > 0) ? Integer.parseInt(args[0]) : 3;
		int count = (args.length > 1) ? Integer.parseInt(args[1]) : 10_000;
		NativeThreads.configure(Integer.parseInt(System.getProperty("vae.native-threads", "1")));
		Examples train;
		Examples validation;
		if (args.length > 2) {
			Examples all = read(java.nio.file.Path.of(args[2]));
			int n = Math.min(count, all.count() - 100);
			train = all.slice(0, n);
			validation = all.slice(all.count() - 100, all.count());
		}
		else {
			train = Shapes.generate(1, 0, count).examples();
			validation = Shapes.generate(1, count, 100).examples();
		}
		int examples = train.count();
		Architecture architecture = Presets.mlp(List.of(1, 28, 28), List.of(400), 20,
				Activation.of(Activation.Function.RELU), new DecoderHead.Bernoulli(), 1.0);
		Network network = Network.initialise(architecture, DataType.FLOAT, 42);
		long[] stepNanos = new long[1];
		long[] last = { System.nanoTime() };
		double[] best = { 0 };
		java.util.List<Double> rates = new java.util.ArrayList<>();
		new Trainer(new Trainer.Settings(epochs, 100, 1e-3, 42), new Trainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				long now = System.nanoTime();
				stepNanos[0] += now - last[0];
				last[0] = now;
			}

			@Override
			public void onEpoch(Trainer.EpochMetrics m) {
				double rate = examples / (stepNanos[0] / 1e9);
				best[0] = Math.max(best[0], rate);
				rates.add(rate);
				System.out.printf("epoch %d: %.0f examples/s over the minibatch steps (train -ELBO %.2f)%n", m.epoch(),
						rate, m.trainNegElbo());
				stepNanos[0] = 0;
				last[0] = System.nanoTime();
			}
		}).train(network, train, validation);
		// the peer's statistic: the median epoch after the first
		java.util.List<Double> after = new java.util.ArrayList<>(
				rates.subList(Math.min(1, rates.size() - 1), rates.size()));
		java.util.Collections.sort(after);
		System.out.printf("median examples/s %.0f (epochs after the first)%n", after.get(after.size() / 2));
		System.out.printf("examples/s %.0f (best epoch)%n", best[0]);
	}

	private static Examples read(java.nio.file.Path file) {
		try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
			return Idx.readImages(in, file.getFileName().toString(), Long.MAX_VALUE).examples();
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

}

package dev.vae.training;

import dev.vae.data.Shapes;
import dev.vae.model.Examples;
import dev.vae.model.NativeThreads;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Activation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.model.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

/**
 * The MLP and the conv preset of the same latent size, trained the same way on the
 * built-in 28×28 shapes, compared by held-out −ELBO (nats per image, one seeded draw of z
 * per image). Arguments: epochs (default 5), training images (default 10,000), latent
 * size (default 20). Prints one line per model.
 */
public final class ArchitectureComparison {

	private static final int HELD_OUT = 1000;

	private ArchitectureComparison() {
	}

	public static void main(String[] args) {
		int epochs = (args.length > 0) ? Integer.parseInt(args[0]) : 5;
		int count = (args.length > 1) ? Integer.parseInt(args[1]) : 10_000;
		int latent = (args.length > 2) ? Integer.parseInt(args[2]) : 20;
		NativeThreads.configure(1);
		Examples train = Shapes.generate(11, 0, count).examples();
		Examples validation = Shapes.generate(11, count, 200).examples();
		Examples test = Shapes.generate(11, count + 200, HELD_OUT).examples();
		Trainer.Settings settings = new Trainer.Settings(epochs, 64, 1e-3, 1);

		Architecture mlp = Presets.mlp(List.of(1, 28, 28), List.of(400), latent,
				Activation.of(Activation.Function.RELU), new DecoderHead.Bernoulli(), 1.0);
		Network dense = Network.initialise(mlp, DataType.FLOAT, 1);
		long started = System.nanoTime();
		new Trainer(settings, new Trainer.Listener() {
		}).train(dense, train, validation);
		report("mlp 784-400-" + latent, mlp.parameterCount(), Evaluation.negElbo(dense, test, 99), started);

		var conv = Presets.conv(List.of(1, 28, 28), latent, new DecoderHead.Bernoulli(), 1.0);
		Network layered = Network.initialise(conv, DataType.FLOAT, 1);
		started = System.nanoTime();
		new Trainer(settings, new Trainer.Listener() {
		}).train(layered, train, validation);
		report("conv [32, 64] latent " + latent, conv.parameterCount(), Evaluation.negElbo(layered, test, 99), started);
	}

	private static void report(String name, long parameters, Evaluation.Summary held, long started) {
		System.out.printf(
				"%s (%d parameters): held-out -ELBO %.2f nats (reconstruction %.2f, KL %.2f) on %d images, "
						+ "trained in %.0f s%n",
				name, parameters, held.negElbo(), held.reconstruction(), held.kl(), held.count(),
				(System.nanoTime() - started) / 1e9);
	}

}

package dev.vae.training;

import dev.vae.data.Dataset;
import dev.vae.data.Shapes;
import dev.vae.model.NativeThreads;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Activation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.model.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Trains the model that ships with the service, on the built-in shapes dataset, with the
 * project's own trainer:
 * {@code ./mvnw -q compile exec:java -Dexec.mainClass=dev.vae.training.TrainDefaultModel
 * -Dexec.args="src/main/resources/models/default.vae"}. Optional further arguments:
 * epochs, training examples.
 */
public final class TrainDefaultModel {

	/**
	 * Seeds of the three parts of the built-in data: training, validation and
	 * initialisation/noise.
	 */
	static final long DATA_SEED = 1;

	static final int VALIDATION = 2_000;

	private TrainDefaultModel() {
	}

	public static void main(String[] args) throws IOException {
		Path target = Path.of((args.length > 0) ? args[0] : "src/main/resources/models/default.vae");
		int epochs = (args.length > 1) ? Integer.parseInt(args[1]) : 30;
		int count = (args.length > 2) ? Integer.parseInt(args[2]) : 20_000;
		NativeThreads.configure(1);

		Dataset train = Shapes.generate(DATA_SEED, 0, count);
		Dataset validation = Shapes.generate(DATA_SEED, count, VALIDATION);
		Architecture architecture = Presets.mlp(List.of(1, 28, 28), List.of(400), 20,
				Activation.of(Activation.Function.RELU), new DecoderHead.Bernoulli(), 1.0);
		Trainer.Settings settings = new Trainer.Settings(epochs, 100, 1e-3, 42);
		Network network = Network.initialise(architecture, DataType.FLOAT, settings.seed());

		long started = System.nanoTime();
		Trainer.EpochMetrics last = new Trainer(settings, new Trainer.Listener() {
			@Override
			public void onEpoch(Trainer.EpochMetrics m) {
				System.out.printf(
						"epoch %3d  train -ELBO %.2f  validation -ELBO %.2f (rec %.2f, KL %.2f)  %.1f s, %.0f examples/s%n",
						m.epoch(), m.trainNegElbo(), m.validationNegElbo(), m.validationReconstruction(),
						m.validationKl(), m.seconds(), count / m.seconds());
			}
		}).train(network, train.examples(), validation.examples());
		double seconds = (System.nanoTime() - started) / 1e9;

		Evaluation.Summary held = Evaluation.negElbo(network, validation.examples(), 7);
		double baseline = Evaluation.pixelMeanBaseline(architecture, train.examples(), validation.examples());
		Manifest manifest = Manifest.draft("default-shapes-784-400-20", architecture,
				new Manifest.TrainingInfo(train.description(), count, VALIDATION, epochs, settings.batchSize(),
						settings.learningRate(), settings.seed(), seconds),
				new Manifest.Metrics(last.trainNegElbo(), held.negElbo(), held.reconstruction(), held.kl(), baseline));
		Checkpoint.write(target, manifest, network);
		System.out.printf("held-out -ELBO %.2f vs per-pixel-mean baseline %.2f (%.0f%% lower); wrote %s%n",
				held.negElbo(), baseline, 100 * (1 - held.negElbo() / baseline), target);
	}

}

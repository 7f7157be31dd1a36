package dev.vae.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.data.Dataset;
import dev.vae.data.Shapes;
import dev.vae.model.Examples;
import dev.vae.model.NativeThreads;
import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;
import dev.vae.training.TrainingSpec;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What each training option does on the built-in shapes: the same job trained with and
 * without it, each row's options given exactly as {@code POST /jobs} takes them (parsed
 * and checked by {@link TrainingSpec}), trained by the job's {@link Trainer}. Prints a
 * markdown table (final validation −ELBO, KL, active units, epochs run and best epoch)
 * and each run's validation −ELBO and KL per epoch. Arguments: training examples (default
 * 3000), epochs (default 8).
 * {@code java -cp target/test-classes:target/classes:<test class path> dev.vae.bench.TrainingOptionsBenchmark}
 */
public final class TrainingOptionsBenchmark {

	private static final ObjectMapper JSON = new ObjectMapper();

	private TrainingOptionsBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int count = (args.length > 0) ? Integer.parseInt(args[0]) : 3000;
		int epochs = (args.length > 1) ? Integer.parseInt(args[1]) : 8;
		NativeThreads.configure(1);
		String base = "\"dataset\": \"shapes\", \"hidden\": [128], \"latentSize\": 16, \"batchSize\": 100, "
				+ "\"seed\": 1, \"epochs\": " + epochs;
		// the overfitting case early stopping is for: a twentieth of the examples, a
		// wider
		// network, three times the epochs
		String small = "\"dataset\": \"shapes\", \"hidden\": [512], \"latentSize\": 16, \"batchSize\": 25, "
				+ "\"seed\": 1, \"learningRate\": 0.003, \"epochs\": " + 10 * epochs;
		int few = 50;
		List<Row> rows = List.of(new Row("none", base, count),
				new Row("klWarmup", base + ", \"klWarmup\": {\"epochs\": " + Math.max(1, epochs / 4) + "}", count),
				new Row("β = 4", base + ", \"beta\": 4", count),
				new Row("β = 4, freeBits", base + ", \"beta\": 4, \"freeBits\": 0.5", count),
				new Row("lrSchedule step",
						base + ", \"lrSchedule\": {\"type\": \"step\", \"every\": " + Math.max(1, epochs / 4)
								+ ", \"gamma\": 0.5}",
						count),
				new Row("learningRate 0.003", base + ", \"learningRate\": 0.003", count),
				new Row("learningRate 0.003, cosine", base
						+ ", \"learningRate\": 0.003, \"lrSchedule\": {\"type\": \"cosine\", \"minLearningRate\": 1e-5}",
						count),
				new Row("learningRate 0.003, clipNorm", base + ", \"learningRate\": 0.003, \"clipNorm\": 5", count),
				new Row("none, small set", small, few),
				new Row("earlyStopping, small set", small + ", \"earlyStopping\": {\"patience\": 3}", few));
		Dataset all = Shapes.generate(11, 0, count + 500);
		Examples validation = all.examples().slice(count, count + 500);
		System.out.println("| options (as POST /jobs takes them) | train | final validation −ELBO | validation KL "
				+ "| KL per dimension, min–max | active units | epochs run (best) | seconds |");
		System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
		List<String> curves = new ArrayList<>();
		for (Row row : rows) {
			TrainingSpec spec = JSON.readValue("{" + row.json() + "}", TrainingSpec.class).withDefaults();
			Examples train = all.examples().slice(0, row.count());
			Network network = Network.initialise(spec.plan(all.shape()), DataType.FLOAT, 1);
			List<Trainer.EpochMetrics> seen = new ArrayList<>();
			long started = System.nanoTime();
			Trainer.EpochMetrics result = new Trainer(spec.settings(), new Trainer.Listener() {
				@Override
				public void onEpoch(Trainer.EpochMetrics metrics) {
					seen.add(metrics);
				}
			}).train(network, train, validation);
			double seconds = (System.nanoTime() - started) / 1e9;
			String options = row.json()
				.substring(row.json().indexOf("\"epochs\""))
				.replaceFirst("\"epochs\": \\d+,? ?", "");
			double[] perDimension = result.validationKlPerDimension();
			System.out.printf(Locale.ROOT, "| %s `%s` | %d | %.2f | %.2f | %.2f–%.2f | %d | %d (%d) | %.1f |%n",
					row.name(), options.isEmpty() ? "{}" : "{" + options + "}", row.count(), result.validationNegElbo(),
					result.validationKl(), java.util.Arrays.stream(perDimension).min().orElse(0),
					java.util.Arrays.stream(perDimension).max().orElse(0), result.activeUnits(), seen.size(),
					result.epoch(), seconds);
			// at most 20 points of each curve: every epoch, or every n-th and the last
			int every = (seen.size() + 19) / 20;
			StringBuilder curve = new StringBuilder(String.format(Locale.ROOT, "%-28s epoch", row.name()));
			StringBuilder elbo = new StringBuilder(String.format(Locale.ROOT, "%-28s −ELBO", ""));
			StringBuilder kl = new StringBuilder(String.format(Locale.ROOT, "%-28s KL   ", ""));
			for (int i = 0; i < seen.size(); i++) {
				if ((i + 1) % every == 0 || i == seen.size() - 1) {
					Trainer.EpochMetrics m = seen.get(i);
					curve.append(String.format(Locale.ROOT, " %6d", m.epoch()));
					elbo.append(String.format(Locale.ROOT, " %6.1f", m.validationNegElbo()));
					kl.append(String.format(Locale.ROOT, " %6.1f", m.validationKl()));
				}
			}
			curve.append("\n").append(elbo).append("\n").append(kl);
			curves.add(curve.toString());
		}
		System.out.println();
		System.out.println("```");
		System.out.println("validation −ELBO and KL after each epoch (at most 20 epochs of each run shown)");
		curves.forEach(System.out::println);
		System.out.println("```");
	}

	private record Row(String name, String json, int count) {
	}

}

package dev.vae.spark;

import dev.vae.model.Evaluation;
import dev.vae.model.Examples;
import dev.vae.model.LayeredCheckpoint;
import dev.vae.model.LayeredManifest;
import dev.vae.model.Manifest;
import dev.vae.model.Trainer;
import dev.vae.model.TrainingOptions;
import dev.vae.data.Csv;
import dev.vae.data.Dataset;
import dev.vae.data.Idx;
import dev.vae.data.Shapes;
import dev.vae.training.TrainingSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Spark training application: a {@code POST /jobs} specification, a dataset file the
 * cluster can reach, data-parallel training ({@link DataParallelTrainer}), a checkpoint
 * in the service's format, and optionally its upload to a service. Run it with
 * spark-submit (the shaded {@code vae-spark-job.jar}) or as a plain JVM with Spark's jars
 * on the class path, as the service does for {@code "engine": "spark"}.
 *
 * <pre>
 * --master URL        local[2], spark://host:7077, yarn, k8s://… (spark-submit sets it)
 * --spec FILE         the job as JSON, as POST /jobs takes it
 * --data PATH         the examples: --format f32 (the service's stored datasets,
 *                     little-endian float32 rows), idx or csv; with --format shapes,
 *                     the seed of --count built-in shapes (nothing to read)
 * --shape H,W,C       height, width, channels (f32 and csv; IDX files carry theirs)
 * --partitions N      data-parallel width (default: the context's default parallelism)
 * --local-steps K     1 (default): gradients aggregated every step, exactly the local
 *                     trainer's run; K &gt; 1: K local steps per partition, then parameters
 *                     and Adam moments averaged (K times fewer aggregations)
 * --out FILE          the checkpoint to write
 * --register URL      POST the checkpoint to this service's /models (API key from VAE_API_KEY)
 * --description TEXT  the training data as the manifest names it
 * --conf KEY=VALUE    any Spark setting (repeatable)
 * </pre>
 */
public final class SparkTraining {

	private SparkTraining() {
	}

	public static void main(String[] args) {
		// progress lines own standard output; everything else (Spark's logs) goes to
		// stderr
		PrintStream out = System.out;
		System.setOut(System.err);
		ProgressLines progress = new ProgressLines(out);
		try {
			run(Options.parse(args), progress);
		}
		catch (Exception | OutOfMemoryError ex) {
			String message = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
			progress.emit("failed", "error", message);
			ex.printStackTrace();
			System.exit(1);
		}
		System.exit(0);
	}

	static void run(Options options, PrintStream out) throws Exception {
		run(options, new ProgressLines(out));
	}

	private static void run(Options options, ProgressLines progress) throws Exception {
		String specJson = Files.readString(options.spec);
		TrainingSpec spec = NetworkSpec.parse(specJson);
		Dataset data = read(options);
		NetworkSpec network = new NetworkSpec(specJson, data.shape());
		if (network.plan().inputLength() != data.examples().length()) {
			throw new IllegalArgumentException("the architecture expects vectors of " + network.plan().inputLength()
					+ " values, the dataset holds " + data.examples().length());
		}
		Examples[] split = spec.split(data.examples());
		Examples train = split[0];
		Examples validation = split[1];
		try (JavaSparkContext spark = new JavaSparkContext(conf(options))) {
			int partitions = (options.partitions > 0) ? options.partitions : spark.defaultParallelism();
			NetworkSpec.Network trained = network.initialise();
			long started = System.nanoTime();
			int batch = Math.min(spec.batchSize(), train.count());
			progress.emit("started", "master", spark.master(), "partitions", partitions, "localSteps",
					options.localSteps, "trainExamples", train.count(), "validationExamples", validation.count(),
					"totalSteps", (long) ((train.count() + batch - 1) / batch) * spec.epochs());
			int[] epochsRun = { 0 };
			Trainer.EpochMetrics last = new DataParallelTrainer(spark, network, spec.settings(), partitions,
					options.localSteps, listener(progress, epochsRun))
				.train(trained, train, validation);
			TrainingOptions trainingOptions = spec.options();
			Manifest.TrainingInfo info = new Manifest.TrainingInfo(
					options.description + " (Spark " + spark.master() + ", " + partitions + " partitions"
							+ ((options.localSteps > 1) ? ", averaged every " + options.localSteps + " steps" : "")
							+ ")",
					train.count(), validation.count(), spec.epochs(), spec.batchSize(), spec.learningRate(),
					spec.seed(), (System.nanoTime() - started) / 1e9,
					trainingOptions.equals(TrainingOptions.NONE) ? null : trainingOptions, epochsRun[0],
					trainingOptions.stopsEarly() ? last.epoch() : null);
			write(options.out, spec, trained, info, last, train, validation);
			String model = null;
			if (options.register != null) {
				model = ModelUpload.register(options.register, System.getenv("VAE_API_KEY"), options.out);
			}
			progress.emit("finished", "checkpoint", options.out.toString(), "model", model, "validationNegElbo",
					last.validationNegElbo(), "seconds", (System.nanoTime() - started) / 1e9);
		}
	}

	private static DataParallelTrainer.Listener listener(ProgressLines progress, int[] epochsRun) {
		return new DataParallelTrainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps, double loss, double stepMillis,
					double computeMillis) {
				progress.emit("step", "epoch", epoch, "step", step, "totalSteps", totalSteps, "loss", loss,
						"stepMillis", stepMillis, "computeMillis", computeMillis);
			}

			@Override
			public void onEpoch(Trainer.EpochMetrics m, DataParallelTrainer.StepTimes times) {
				epochsRun[0] = m.epoch();
				progress.emit("epoch", "epoch", m.epoch(), "trainNegElbo", m.trainNegElbo(), "trainReconstruction",
						m.trainReconstruction(), "trainKl", m.trainKl(), "validationNegElbo", m.validationNegElbo(),
						"validationReconstruction", m.validationReconstruction(), "validationKl", m.validationKl(),
						"seconds", m.seconds(), "stepMillis", times.stepMillis(), "computeMillis",
						times.computeMillis(), "validationKlPerDimension", m.validationKlPerDimension(), "activeUnits",
						m.activeUnits(), "beta", m.beta(), "learningRate", m.learningRate());
			}
		};
	}

	private static void write(Path target, TrainingSpec spec, NetworkSpec.Network trained, Manifest.TrainingInfo info,
			Trainer.EpochMetrics last, Examples train, Examples validation) throws IOException {
		if (target.toAbsolutePath().getParent() != null) {
			Files.createDirectories(target.toAbsolutePath().getParent());
		}
		NetworkSpec.Network.Layered layered = (NetworkSpec.Network.Layered) trained;
		double baseline = Evaluation.pixelMeanBaseline(layered.network().architecture(), train, validation);
		LayeredCheckpoint.write(target,
				LayeredManifest.draft(spec.name(), layered.network().architecture(), info, metrics(last, baseline)),
				layered.network());
	}

	private static Manifest.Metrics metrics(Trainer.EpochMetrics m, double baseline) {
		return new Manifest.Metrics(m.trainNegElbo(), m.validationNegElbo(), m.validationReconstruction(),
				m.validationKl(), baseline);
	}

	static SparkConf conf(Options options) {
		SparkConf conf = new SparkConf().setAppName("vae-training").set("spark.ui.enabled", "false");
		if (options.master != null) {
			conf.setMaster(options.master);
		}
		conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", "1");
		// a partition's gradient sum (4 bytes per parameter) comes back with the task's
		// status message,
		// not through the block manager and a second fetch, up to this size
		conf.setIfMissing("spark.task.maxDirectResultSize", "64m");
		options.conf.forEach(conf::set);
		String master = conf.get("spark.master", "");
		if (master.startsWith("local")) {
			conf.setIfMissing("spark.driver.host", "127.0.0.1");
			conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
		}
		else if (!conf.contains("spark.jars")) {
			// started as a plain JVM, not by spark-submit: ship this application's jar
			Path jar = jobJar();
			if (jar != null) {
				conf.set("spark.jars", jar.toString());
			}
		}
		return conf;
	}

	private static Path jobJar() {
		try {
			Path location = Path.of(SparkTraining.class.getProtectionDomain().getCodeSource().getLocation().toURI());
			return location.toString().endsWith(".jar") ? location : null;
		}
		catch (Exception ex) {
			return null;
		}
	}

	static Dataset read(Options options) throws IOException {
		String description = String.valueOf(options.data.getFileName());
		switch (options.format) {
			case "f32" -> {
				if (options.shape == null) {
					throw new IllegalArgumentException("--shape H,W,C is needed for --format f32");
				}
				int length = options.shape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
				long bytes = Files.size(options.data);
				if (bytes % (4L * length) != 0 || bytes == 0) {
					throw new IllegalArgumentException(options.data + " holds " + bytes
							+ " bytes, not a whole number of float32 rows of " + length + " values");
				}
				float[] values = new float[Math.toIntExact(bytes / 4)];
				ByteBuffer.wrap(Files.readAllBytes(options.data))
					.order(ByteOrder.LITTLE_ENDIAN)
					.asFloatBuffer()
					.get(values);
				return new Dataset(description, options.shape, new Examples(values, values.length / length, length),
						null);
			}
			case "idx" -> {
				try (InputStream in = Files.newInputStream(options.data)) {
					return Idx.readImages(in, description, Integer.MAX_VALUE - 8);
				}
			}
			case "csv" -> {
				if (options.shape == null) {
					throw new IllegalArgumentException("--shape H,W,C is needed for --format csv");
				}
				try (InputStream in = Files.newInputStream(options.data)) {
					return Csv.read(in, description, options.shape, Integer.MAX_VALUE - 8);
				}
			}
			case "shapes" -> {
				// the built-in shapes, generated on the driver: --data is their seed,
				// --shape their size
				int size = (options.shape != null) ? options.shape.get(0) : Shapes.SIZE;
				int channels = (options.shape != null && options.shape.size() > 2) ? options.shape.get(2) : 1;
				return Shapes.generate(Long.parseLong(options.data.toString()), 0, options.count, size, channels);
			}
			default ->
				throw new IllegalArgumentException("--format must be f32, idx, csv or shapes, was " + options.format);
		}
	}

	/** The command line. */
	static final class Options {

		String master;

		Path spec;

		Path data;

		String format = "f32";

		List<Integer> shape;

		int partitions;

		int count = 10_000;

		int localSteps = 1;

		Path out = Path.of("spark-model.vae");

		URI register;

		String description;

		final Map<String, String> conf = new LinkedHashMap<>();

		static Options parse(String[] args) {
			Options o = new Options();
			for (int i = 0; i < args.length; i++) {
				String name = args[i];
				if (i + 1 >= args.length) {
					throw new IllegalArgumentException(name + " needs a value");
				}
				String value = args[++i];
				switch (name) {
					case "--master" -> o.master = value;
					case "--spec" -> o.spec = Path.of(value);
					case "--data" -> o.data = Path.of(value);
					case "--format" -> o.format = value;
					case "--shape" -> o.shape = shape(value);
					case "--partitions" -> o.partitions = Integer.parseInt(value);
					case "--count" -> o.count = Integer.parseInt(value);
					case "--local-steps" -> o.localSteps = Integer.parseInt(value);
					case "--out" -> o.out = Path.of(value);
					case "--register" -> o.register = URI.create(value);
					case "--description" -> o.description = value;
					case "--conf" -> {
						int eq = value.indexOf('=');
						if (eq < 1) {
							throw new IllegalArgumentException("--conf takes KEY=VALUE, got " + value);
						}
						o.conf.put(value.substring(0, eq), value.substring(eq + 1));
					}
					default -> throw new IllegalArgumentException("unknown option " + name);
				}
			}
			if (o.spec == null || o.data == null) {
				throw new IllegalArgumentException("--spec and --data are required");
			}
			if (o.description == null) {
				o.description = o.data.getFileName().toString();
			}
			return o;
		}

		private static List<Integer> shape(String value) {
			List<Integer> shape = new ArrayList<>();
			for (String part : value.split(",")) {
				shape.add(Integer.parseInt(part.trim()));
			}
			return shape;
		}

	}

}

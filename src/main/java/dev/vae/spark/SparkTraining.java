package dev.vae.spark;

import dev.vae.data.Csv;
import dev.vae.data.Dataset;
import dev.vae.data.Idx;
import dev.vae.data.Shapes;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.checkpoint.TrainingCheckpoint;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;
import dev.vae.model.train.TrainingOptions;
import dev.vae.training.TrainingSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
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
 * --data PATH|URI     the examples: --format f32 (the service's stored datasets,
 *                     little-endian float32 rows) at a path every executor reaches or
 *                     at s3://bucket/key (endpoint and keys: --conf spark.vae.s3.*),
 *                     read by the executors, a range of rows each; idx or csv, read
 *                     by the driver; with --format shapes, the seed of --count
 *                     built-in shapes (nothing to read)
 * --shape H,W,C       height, width, channels (f32 and csv; IDX files carry theirs)
 * --partitions N      data-parallel width (default: the context's default parallelism)
 * --local-steps K     1 (default): gradients aggregated every step, exactly the local
 *                     trainer's run; K &gt; 1: K local steps per partition, then parameters
 *                     and Adam moments averaged (K times fewer aggregations)
 * --out FILE          the checkpoint to write
 * --register URL      POST the checkpoint to this service's /models (API key from VAE_API_KEY)
 * --description TEXT  the training data as the manifest names it
 * --conf KEY=VALUE    any Spark setting (repeatable)
 * --checkpoint FILE   the training checkpoint (network, Adam state, position) to
 *                     write after every epoch, atomically
 * --checkpoint-every N  also every N steps
 * --resume            continue from --checkpoint: the run ends as an uninterrupted one
 * --heartbeat stdin   stop when standard input reaches end of file (the service that
 *                     started this driver as its child is gone, even by SIGKILL)
 * --heartbeat URL     stop when URL has not answered 2xx for --heartbeat-timeout
 *                     seconds (default 30): a service on another host
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
			Options options = Options.parse(args);
			watchService(options, progress);
			run(options, progress);
		}
		catch (Exception | OutOfMemoryError ex) {
			String message = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
			progress.emit("failed", "error", message);
			ex.printStackTrace();
			System.exit(1);
		}
		System.exit(0);
	}

	/**
	 * With {@code --heartbeat}, the driver ends itself (and with it its executors) when
	 * the service that started it is gone.
	 */
	private static void watchService(Options options, ProgressLines progress) {
		if (options.heartbeat == null) {
			return;
		}
		Runnable lost = () -> {
			progress.emit("failed", "error", "the service that started this driver is gone ("
					+ (options.heartbeat.equals("stdin") ? "its pipe closed" : options.heartbeat + " stopped answering")
					+ "): the driver stops");
			// Spark's shutdown hook stops the context and the executors; should it hang,
			// halt
			Thread halt = new Thread(() -> {
				try {
					Thread.sleep(30_000);
				}
				catch (InterruptedException ex) {
					// exiting anyway
				}
				Runtime.getRuntime().halt(3);
			});
			halt.setDaemon(true);
			halt.start();
			System.exit(3);
		};
		if (options.heartbeat.equals("stdin")) {
			Heartbeat.watch(System.in, lost);
		}
		else {
			Heartbeat.watch(URI.create(options.heartbeat), java.time.Duration.ofSeconds(options.heartbeatTimeout),
					lost);
		}
	}

	static void run(Options options, PrintStream out) throws Exception {
		run(options, new ProgressLines(out));
	}

	private static void run(Options options, ProgressLines progress) throws Exception {
		String specJson = Files.readString(options.spec);
		TrainingSpec spec = NetworkSpec.parse(specJson);
		try (JavaSparkContext spark = new JavaSparkContext(conf(options))) {
			int partitions = (options.partitions > 0) ? options.partitions : spark.defaultParallelism();
			Input input = input(options, spec, partitions, spark.getConf());
			TrainingData data = input.data();
			NetworkSpec network = new NetworkSpec(specJson, input.shape());
			if (network.plan().inputLength() != data.length()) {
				throw new IllegalArgumentException("the architecture expects vectors of " + network.plan().inputLength()
						+ " values, the dataset holds " + data.length());
			}
			int trainCount = data.split().train();
			int validationCount = data.split().validation();
			NetworkSpec.Trained trained = network.initialise();
			Trainer.State from = null;
			if (options.resume) {
				TrainingCheckpoint.Loaded loaded = resume(options, network);
				trained = new NetworkSpec.Trained(loaded.network());
				from = loaded.state();
			}
			long started = System.nanoTime();
			int batch = Math.min(spec.batchSize(), trainCount);
			int stepsPerEpoch = (trainCount + batch - 1) / batch;
			progress.emit("started", "master", spark.master(), "partitions", partitions, "localSteps",
					options.localSteps, "trainExamples", trainCount, "validationExamples", validationCount,
					"totalSteps", (long) stepsPerEpoch * spec.epochs(), "data", input.description());
			if (from != null) {
				progress.emit("resumed", "epoch", from.epoch(), "step", from.step(), "globalStep",
						from.globalStep(stepsPerEpoch), "checkpoint", options.checkpoint.toString());
			}
			Checkpoints checkpoints = new Checkpoints(options, spec, trained.network(), stepsPerEpoch, progress);
			// epochs run, counted from the checkpoint a resumed run starts after
			int[] epochsRun = { (from != null) ? from.epoch() - 1 : 0 };
			DataParallelTrainer.Outcome outcome = new DataParallelTrainer(spark, network, spec.settings(), partitions,
					options.localSteps, listener(progress, checkpoints, epochsRun))
				.train(trained, data, from);
			Trainer.EpochMetrics last = outcome.last();
			TrainingOptions trainingOptions = spec.options();
			Manifest.TrainingInfo info = new Manifest.TrainingInfo(
					options.description + " (Spark " + spark.master() + ", " + partitions + " partitions"
							+ ((options.localSteps > 1) ? ", averaged every " + options.localSteps + " steps" : "")
							+ ")",
					trainCount, validationCount, spec.epochs(), spec.batchSize(), spec.learningRate(), spec.seed(),
					(System.nanoTime() - started) / 1e9,
					trainingOptions.equals(TrainingOptions.NONE) ? null : trainingOptions, epochsRun[0],
					trainingOptions.stopsEarly() ? last.epoch() : null);
			write(options.out, spec, trained, info, last, outcome.baseline());
			String model = null;
			if (options.register != null) {
				model = ModelUpload.register(options.register, System.getenv("VAE_API_KEY"), options.out);
			}
			progress.emit("finished", "checkpoint", options.out.toString(), "model", model, "validationNegElbo",
					last.validationNegElbo(), "seconds", (System.nanoTime() - started) / 1e9, "driverHeapUsedMaxBytes",
					HeapWatch.peak());
		}
	}

	/** The training checkpoint to continue, checked to be of this job's architecture. */
	private static TrainingCheckpoint.Loaded resume(Options options, NetworkSpec network) {
		if (options.checkpoint == null || !Files.isRegularFile(options.checkpoint)) {
			throw new IllegalArgumentException("--resume: there is no training checkpoint at "
					+ ((options.checkpoint != null) ? options.checkpoint : "(no --checkpoint given)"));
		}
		Architecture architecture = network.plan();
		TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.read(options.checkpoint, architecture.parameterCount());
		if (!loaded.network().architecture().equals(architecture)) {
			throw new IllegalArgumentException("--resume: the training checkpoint at " + options.checkpoint
					+ " holds another architecture than the job specification's");
		}
		return loaded;
	}

	/**
	 * Saves the run to {@code --checkpoint} after every epoch and every
	 * {@code --checkpoint-every} steps, and says so on a progress line.
	 */
	private record Checkpoints(Options options, TrainingSpec spec, Network network, int stepsPerEpoch,
			ProgressLines progress) {

		boolean due(long step) {
			return this.options.checkpoint != null && this.options.checkpointEvery > 0
					&& step % this.options.checkpointEvery == 0;
		}

		void save(Trainer.State state) {
			if (this.options.checkpoint == null) {
				return;
			}
			long started = System.nanoTime();
			Manifest.TrainingInfo info = new Manifest.TrainingInfo(this.options.description + " (Spark, in progress)",
					0, 0, this.spec.epochs(), this.spec.batchSize(), this.spec.learningRate(), this.spec.seed(),
					state.seconds());
			Manifest.Metrics figures = (state.last() != null) ? metrics(state.last(), Double.NaN) : null;
			try {
				TrainingCheckpoint.write(this.options.checkpoint,
						Manifest.draft(this.spec.name(), this.network.architecture(), info, figures), this.network,
						state);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(
						"the training checkpoint " + this.options.checkpoint + " cannot be written: " + ex.getMessage(),
						ex);
			}
			this.progress.emit("checkpoint", "epoch", state.epoch(), "step", state.step(), "globalStep",
					state.globalStep(this.stepsPerEpoch), "file", this.options.checkpoint.toString(), "millis",
					(System.nanoTime() - started) / 1e6);
		}

	}

	private static DataParallelTrainer.Listener listener(ProgressLines progress, Checkpoints checkpoints,
			int[] epochsRun) {
		return new DataParallelTrainer.Listener() {
			@Override
			public boolean checkpointDue(int epoch, long step) {
				return checkpoints.due(step);
			}

			@Override
			public void onCheckpoint(Trainer.State state) {
				checkpoints.save(state);
			}

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

	private static void write(Path target, TrainingSpec spec, NetworkSpec.Trained trained, Manifest.TrainingInfo info,
			Trainer.EpochMetrics last, double baseline) throws IOException {
		if (target.toAbsolutePath().getParent() != null) {
			Files.createDirectories(target.toAbsolutePath().getParent());
		}
		NetworkSpec.Trained layered = (NetworkSpec.Trained) trained;
		Checkpoint.write(target,
				Manifest.draft(spec.name(), layered.network().architecture(), info, metrics(last, baseline)),
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

	/** The training data as the driver knows it, its shape and a description. */
	record Input(TrainingData data, List<Integer> shape, String description) {
	}

	/**
	 * The stored float32 rows (a path every executor reaches, or {@code s3://bucket/key})
	 * become ranges the executors read; the other formats are read here, on the driver,
	 * and each range ships with its rows.
	 */
	static Input input(Options options, TrainingSpec spec, int partitions, SparkConf conf) throws IOException {
		if (options.format.equals("f32")) {
			if (options.shape == null) {
				throw new IllegalArgumentException("--shape H,W,C is needed for --format f32");
			}
			int length = options.shape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
			RowSource source = options.data.startsWith("s3://") ? S3Rows.of(URI.create(options.data), conf)
					: new FileRows(Path.of(options.data));
			TrainingData data = TrainingData.stored(source, length, partitions, (rows) -> Split.of(spec, rows));
			return new Input(data, options.shape, source.describe());
		}
		Dataset dataset = read(options);
		return new Input(
				TrainingData.inMemory(dataset.examples(), partitions, Split.of(spec, dataset.examples().count())),
				dataset.shape(), dataset.description());
	}

	static Dataset read(Options options) throws IOException {
		Path file = Path.of(options.data);
		String description = String.valueOf(file.getFileName());
		switch (options.format) {
			case "idx" -> {
				try (InputStream in = Files.newInputStream(file)) {
					return Idx.readImages(in, description, Integer.MAX_VALUE - 8);
				}
			}
			case "csv" -> {
				if (options.shape == null) {
					throw new IllegalArgumentException("--shape H,W,C is needed for --format csv");
				}
				try (InputStream in = Files.newInputStream(file)) {
					return Csv.read(in, description, options.shape, Integer.MAX_VALUE - 8);
				}
			}
			case "shapes" -> {
				// the built-in shapes, generated on the driver: --data is their seed,
				// --shape their size
				int size = (options.shape != null) ? options.shape.get(0) : Shapes.SIZE;
				int channels = (options.shape != null && options.shape.size() > 2) ? options.shape.get(2) : 1;
				return Shapes.generate(Long.parseLong(options.data), 0, options.count, size, channels);
			}
			default ->
				throw new IllegalArgumentException("--format must be f32, idx, csv or shapes, was " + options.format);
		}
	}

	/** The command line. */
	static final class Options {

		String master;

		Path spec;

		String data;

		String format = "f32";

		List<Integer> shape;

		int partitions;

		int count = 10_000;

		int localSteps = 1;

		Path out = Path.of("spark-model.vae");

		URI register;

		String description;

		String heartbeat;

		int heartbeatTimeout = 30;

		Path checkpoint;

		long checkpointEvery;

		boolean resume;

		final Map<String, String> conf = new LinkedHashMap<>();

		static Options parse(String[] args) {
			Options o = new Options();
			for (int i = 0; i < args.length; i++) {
				String name = args[i];
				if (name.equals("--resume")) {
					o.resume = true;
					continue;
				}
				if (i + 1 >= args.length) {
					throw new IllegalArgumentException(name + " needs a value");
				}
				String value = args[++i];
				switch (name) {
					case "--master" -> o.master = value;
					case "--spec" -> o.spec = Path.of(value);
					case "--data" -> o.data = value;
					case "--format" -> o.format = value;
					case "--shape" -> o.shape = shape(value);
					case "--partitions" -> o.partitions = Integer.parseInt(value);
					case "--count" -> o.count = Integer.parseInt(value);
					case "--local-steps" -> o.localSteps = Integer.parseInt(value);
					case "--out" -> o.out = Path.of(value);
					case "--register" -> o.register = URI.create(value);
					case "--description" -> o.description = value;
					case "--heartbeat" -> o.heartbeat = value;
					case "--checkpoint" -> o.checkpoint = Path.of(value);
					case "--checkpoint-every" -> o.checkpointEvery = Long.parseLong(value);
					case "--heartbeat-timeout" -> o.heartbeatTimeout = Integer.parseInt(value);
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
				o.description = o.data.substring(o.data.lastIndexOf('/') + 1);
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

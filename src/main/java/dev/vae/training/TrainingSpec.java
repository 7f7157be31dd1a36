package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.layer.Activation;
import dev.vae.model.layer.Layer;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Presets;

import dev.vae.model.train.Trainer;
import dev.vae.model.train.TrainingOptions;
import dev.vae.system.InvalidInputException;
import io.swagger.v3.oas.annotations.media.Schema;

import dev.vae.model.Examples;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What a training job trains. Omitted fields take the defaults of the shipped model.
 *
 * @param dataset id of a stored dataset
 * @param name the model's name
 * @param architecture {@code "mlp"} (default), {@code "conv"}, or an object with
 * {@code encoder} and {@code decoder} layer lists
 * @param widths channel widths of the conv preset's blocks (default [32, 64] for small
 * inputs, [32, 64, 128, 256] from 64×64)
 * @param outputActivation the decoder mean's activation: sigmoid (default), tanh or
 * identity
 * @param hidden encoder hidden widths (the decoder mirrors them)
 * @param latentSize dimension of z
 * @param activation hidden activation
 * @param likelihood decoder likelihood
 * @param sigma σ of a Gaussian decoder
 * @param beta weight of KL
 * @param epochs passes over the training split
 * @param batchSize minibatch size
 * @param learningRate Adam step size
 * @param seed initialisation, shuffling and noise
 * @param validationSplit fraction held out for validation
 * @param engine where it trains: {@code "local"} (default, the service's training
 * executor) or {@code "spark"} (a Spark application, when {@code vae.spark.master} is
 * set)
 * @param holdOutClasses labels of a labelled dataset kept out of training as known
 * anomalies: the job reports how well each anomaly score separates them from the held-out
 * normal split
 * @param anomalyK importance samples per input of the reference the job stores (default
 * {@code vae.anomaly.k})
 * @param anomalyFpr the false-positive rate at which the job reports true-positive rates
 * (default {@code vae.anomaly.fpr})
 * @param klWarmup linear β warm-up over epochs or steps; null for none
 * @param freeBits the free-bits floor λ in nats per latent dimension; null for none
 * @param earlyStopping patience on validation −ELBO; null for none
 * @param lrSchedule the learning rate over the run; null for constant
 * @param clipNorm the bound on the gradient's global L2 norm; null for none
 */
@Schema(description = "A training job's specification")
public record TrainingSpec(
		@Schema(description = "id of a stored dataset (POST /datasets)", example = "d-…",
				requiredMode = Schema.RequiredMode.REQUIRED) String dataset,
		@Schema(description = "the model's name", example = "shapes-small") String name,
		@Schema(description = "'mlp' (default: dense layers of `hidden`), 'conv' (stride-2 conv blocks with batch norm and a "
				+ "mirrored transposed-conv decoder), or {\"encoder\": [layers], \"decoder\": [layers]} with layers such as "
				+ "{\"type\": \"conv2d\", \"out\": 32, \"kernel\": 3, \"stride\": 2, \"padding\": 1}, "
				+ "{\"type\": \"batch-norm\"}, {\"type\": \"activation\", \"function\": \"relu\"}, "
				+ "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"out\": 256}, {\"type\": \"reshape\", \"shape\": [64, 7, 7]}, "
				+ "{\"type\": \"conv-transpose2d\", \"out\": 32, \"kernel\": 3, \"stride\": 2, \"padding\": 1, \"outputPadding\": 1}",
				example = "mlp") JsonNode architecture,
		@Schema(description = "conv preset: channels of each stride-2 block",
				example = "[32, 64]") List<Integer> widths,
		@Schema(description = "encoder hidden widths; the decoder mirrors them",
				example = "[128]") List<Integer> hidden,
		@Schema(description = "latent size", example = "8") Integer latentSize,
		@Schema(description = "relu, leaky-relu, elu, tanh, softplus or sigmoid", example = "relu") String activation,
		@Schema(description = "bernoulli, continuous-bernoulli, gaussian (fixed sigma), gaussian-learned-variance (a "
				+ "per-pixel log-variance as extra output channels) or gaussian-calibrated (σ-VAE: σ² = MSE per input)",
				example = "bernoulli") String likelihood,
		@Schema(description = "the decoder mean's activation: sigmoid (default), tanh or identity; "
				+ "bernoulli and continuous-bernoulli need sigmoid", example = "sigmoid") String outputActivation,
		@Schema(description = "σ of a Gaussian decoder", example = "0.1") Double sigma,
		@Schema(description = "β, the weight of KL", example = "1.0") Double beta,
		@Schema(description = "epochs", example = "3") Integer epochs,
		@Schema(description = "minibatch size", example = "100") Integer batchSize,
		@Schema(description = "Adam learning rate", example = "0.001") Double learningRate,
		@Schema(description = "seed", example = "1") Long seed,
		@Schema(description = "fraction of the dataset held out for validation",
				example = "0.1") Double validationSplit,
		@Schema(description = "where it trains: 'local' (default) or 'spark' (data-parallel on the Spark cluster "
				+ "configured by vae.spark.master)", example = "local") String engine,
		@Schema(description = "labels of a labelled dataset (the built-in shapes: 0 square, 1 ellipse, 2 triangle, 3 heart) kept "
				+ "out of training as known anomalies; the job then reports AUROC and the true-positive rate at "
				+ "anomalyFpr of each anomaly score", example = "[2]") List<Integer> holdOutClasses,
		@Schema(description = "importance samples per input of the stored reference distribution of −log p(x) "
				+ "(default vae.anomaly.k)", example = "100") Integer anomalyK,
		@Schema(description = "false-positive rate at which the job reports true-positive rates "
				+ "(default vae.anomaly.fpr)", example = "0.01") Double anomalyFpr,
		@Schema(description = "KL warm-up: β rises linearly from 0 at the first step to `beta` over this many epochs "
				+ "or steps (give one of the two); none by default") KlWarmup klWarmup,
		@Schema(description = "free bits λ in nats (Kingma et al. 2016): the objective counts max(λ, KL_j) for each "
				+ "latent dimension j, KL_j its minibatch mean, so a dimension under the floor gets no KL gradient; "
				+ "none by default", example = "0.25") Double freeBits,
		@Schema(description = "early stopping on validation −ELBO: training ends after `patience` epochs without a "
				+ "lower one, and the job registers the best epoch's parameters; none by default") EarlyStopping earlyStopping,
		@Schema(description = "the learning rate over the run: constant (default), step (×gamma every `every` "
				+ "epochs) or cosine (from learningRate to minLearningRate over all steps)") LrSchedule lrSchedule,
		@Schema(description = "gradients are scaled to a global L2 norm of at most this before each Adam step; "
				+ "none by default", example = "5.0") Double clipNorm) {

	/**
	 * A linear KL warm-up, over epochs or over steps.
	 *
	 * @param epochs epochs of warm-up
	 * @param steps minibatch steps of warm-up
	 */
	@Schema(description = "KL warm-up length: {\"epochs\": 5} or {\"steps\": 1000}")
	public record KlWarmup(@Schema(description = "epochs of warm-up", example = "5") Integer epochs,
			@Schema(description = "minibatch steps of warm-up", example = "1000") Long steps) {
	}

	/**
	 * Early stopping.
	 *
	 * @param patience epochs without a lower validation −ELBO before training stops
	 */
	@Schema(description = "early stopping on validation −ELBO")
	public record EarlyStopping(@Schema(description = "epochs without a lower validation −ELBO before training stops",
			example = "3", requiredMode = Schema.RequiredMode.REQUIRED) Integer patience) {
	}

	/**
	 * A learning-rate schedule.
	 *
	 * @param type constant, step or cosine
	 * @param every step: epochs between decays
	 * @param gamma step: the factor of each decay (default 0.1)
	 * @param minLearningRate cosine: the rate after the last step (default 0)
	 */
	@Schema(description = "learning-rate schedule: {\"type\": \"constant\"}, {\"type\": \"step\", \"every\": 2, "
			+ "\"gamma\": 0.5} or {\"type\": \"cosine\", \"minLearningRate\": 1e-5}")
	public record LrSchedule(
			@Schema(description = "constant, step or cosine", example = "cosine",
					requiredMode = Schema.RequiredMode.REQUIRED) String type,
			@Schema(description = "step: epochs between decays", example = "2") Integer every,
			@Schema(description = "step: the factor of each decay, in (0, 1] (default 0.1)",
					example = "0.5") Double gamma,
			@Schema(description = "cosine: the learning rate reached after the last step, in [0, learningRate) "
					+ "(default 0)", example = "1e-5") Double minLearningRate) {
	}

	private static final ObjectMapper LAYERS = new ObjectMapper();

	public TrainingSpec withDefaults() {
		if (this.hidden != null && this.hidden.stream().anyMatch(java.util.Objects::isNull)) {
			throw new IllegalArgumentException("hidden must be a list of positive whole numbers, was " + this.hidden);
		}
		if (this.widths != null && this.widths.stream().anyMatch(java.util.Objects::isNull)) {
			throw new IllegalArgumentException("widths must be a list of positive whole numbers, was " + this.widths);
		}
		if (this.holdOutClasses != null && this.holdOutClasses.stream().anyMatch(java.util.Objects::isNull)) {
			throw new IllegalArgumentException(
					"holdOutClasses must be a list of whole-number labels, was " + this.holdOutClasses);
		}
		return new TrainingSpec(this.dataset, (this.name != null) ? this.name : "job-model",
				(this.architecture != null && !this.architecture.isNull()) ? this.architecture
						: JsonNodeFactory.instance.textNode("mlp"),
				(this.widths != null) ? List.copyOf(this.widths) : null,
				(this.hidden != null) ? List.copyOf(this.hidden) : List.of(400),
				(this.latentSize != null) ? this.latentSize : 20, (this.activation != null) ? this.activation : "relu",
				(this.likelihood != null) ? this.likelihood : "bernoulli",
				(this.outputActivation != null) ? this.outputActivation : "sigmoid",
				(this.sigma != null) ? this.sigma : 1.0, (this.beta != null) ? this.beta : 1.0,
				(this.epochs != null) ? this.epochs : 10, (this.batchSize != null) ? this.batchSize : 100,
				(this.learningRate != null) ? this.learningRate : 1e-3, (this.seed != null) ? this.seed : 1L,
				(this.validationSplit != null) ? this.validationSplit : 0.1,
				(this.engine != null) ? this.engine : "local",
				(this.holdOutClasses != null) ? List.copyOf(this.holdOutClasses) : List.of(), this.anomalyK,
				this.anomalyFpr, this.klWarmup, this.freeBits, this.earlyStopping, this.lrSchedule, this.clipNorm);
	}

	/**
	 * The training options as the trainer takes them, checked against the rest of the
	 * spec (after {@link #withDefaults()}).
	 * @throws InvalidInputException naming the option and what is wrong with it
	 */
	public TrainingOptions options() {
		TrainingOptions.Warmup warmup = null;
		if (this.klWarmup != null) {
			Integer e = this.klWarmup.epochs();
			Long n = this.klWarmup.steps();
			if ((e == null) == (n == null)) {
				throw new InvalidInputException("klWarmup",
						"klWarmup takes one of {\"epochs\": N} or {\"steps\": N}, was epochs " + e + ", steps " + n);
			}
			if (e != null && (e < 1 || e > this.epochs)) {
				throw new InvalidInputException("klWarmup.epochs",
						"klWarmup.epochs must lie in 1.." + this.epochs + " (the job's epochs), was " + e);
			}
			if (n != null && n < 1) {
				throw new InvalidInputException("klWarmup.steps", "klWarmup.steps must be at least 1, was " + n);
			}
			warmup = new TrainingOptions.Warmup((e != null) ? e : 0, (n != null) ? n : 0);
		}
		double floor = 0;
		if (this.freeBits != null) {
			if (!(this.freeBits > 0) || this.freeBits > MAX_FREE_BITS) {
				throw new InvalidInputException("freeBits", "freeBits must lie in (0, " + MAX_FREE_BITS
						+ "] nats per latent dimension, was " + this.freeBits);
			}
			floor = this.freeBits;
		}
		int patience = 0;
		if (this.earlyStopping != null) {
			Integer p = this.earlyStopping.patience();
			if (p == null || p < 1) {
				throw new InvalidInputException("earlyStopping.patience",
						"earlyStopping.patience must be at least 1 epoch, was " + p);
			}
			patience = p;
		}
		double clip = 0;
		if (this.clipNorm != null) {
			if (!(this.clipNorm > 0) || Double.isInfinite(this.clipNorm)) {
				throw new InvalidInputException("clipNorm",
						"clipNorm must be a finite norm above 0, was " + this.clipNorm);
			}
			clip = this.clipNorm;
		}
		return new TrainingOptions(warmup, floor, patience, schedule(), clip);
	}

	/** The most free bits a dimension may ask for, in nats. */
	static final double MAX_FREE_BITS = 100;

	private TrainingOptions.LearningRateSchedule schedule() {
		LrSchedule s = this.lrSchedule;
		if (s == null) {
			return new TrainingOptions.LearningRateSchedule.Constant();
		}
		String type = (s.type() != null) ? s.type() : "";
		switch (type) {
			case "constant" -> {
				if (s.every() != null || s.gamma() != null || s.minLearningRate() != null) {
					throw new InvalidInputException("lrSchedule", "a constant lrSchedule takes no other fields");
				}
				return new TrainingOptions.LearningRateSchedule.Constant();
			}
			case "step" -> {
				if (s.minLearningRate() != null) {
					throw new InvalidInputException("lrSchedule.minLearningRate",
							"minLearningRate belongs to the cosine schedule, not step");
				}
				if (s.every() == null || s.every() < 1) {
					throw new InvalidInputException("lrSchedule.every",
							"a step lrSchedule needs every ≥ 1 epochs, was " + s.every());
				}
				double gamma = (s.gamma() != null) ? s.gamma() : 0.1;
				if (!(gamma > 0) || gamma > 1) {
					throw new InvalidInputException("lrSchedule.gamma",
							"lrSchedule.gamma must lie in (0, 1], was " + gamma);
				}
				return new TrainingOptions.LearningRateSchedule.StepDecay(s.every(), gamma);
			}
			case "cosine" -> {
				if (s.every() != null || s.gamma() != null) {
					throw new InvalidInputException("lrSchedule",
							"every and gamma belong to the step schedule, not cosine");
				}
				double min = (s.minLearningRate() != null) ? s.minLearningRate() : 0;
				if (!(min >= 0) || !(min < this.learningRate)) {
					throw new InvalidInputException("lrSchedule.minLearningRate",
							"lrSchedule.minLearningRate must lie in [0, learningRate = " + this.learningRate + "), was "
									+ min);
				}
				return new TrainingOptions.LearningRateSchedule.Cosine(min);
			}
			default -> throw new InvalidInputException("lrSchedule.type",
					"lrSchedule.type must be constant, step or cosine, was '" + s.type() + "'");
		}
	}

	/**
	 * The held-out labels; empty when none (and for specs stored before the field
	 * existed).
	 */
	@Override
	public List<Integer> holdOutClasses() {
		return (this.holdOutClasses != null) ? this.holdOutClasses : List.of();
	}

	/**
	 * The examples whose label is not in {@link #holdOutClasses()}, and those whose label
	 * is (the known anomalies), in dataset order.
	 */
	public Examples[] holdOut(Examples all, int[] labels) {
		java.util.Set<Integer> held = java.util.Set.copyOf(holdOutClasses());
		int d = all.length();
		int anomalies = 0;
		for (int label : labels) {
			if (held.contains(label)) {
				anomalies++;
			}
		}
		float[] normal = new float[(all.count() - anomalies) * d];
		float[] anomalous = new float[anomalies * d];
		int n = 0;
		int a = 0;
		for (int i = 0; i < all.count(); i++) {
			if (held.contains(labels[i])) {
				System.arraycopy(all.values(), i * d, anomalous, (a++) * d, d);
			}
			else {
				System.arraycopy(all.values(), i * d, normal, (n++) * d, d);
			}
		}
		return new Examples[] { new Examples(normal, n, d), new Examples(anomalous, a, d) };
	}

	/**
	 * What to train on inputs of {@code shape} (height, width, channels, as datasets give
	 * it), always as layers: "mlp" and "conv" are presets. Throws
	 * IllegalArgumentException naming what is wrong, down to the layer and the shape that
	 * does not fit.
	 */
	public Architecture plan(List<Integer> shape) {
		DecoderHead head = head();
		if (this.architecture.isTextual() && this.architecture.asText().equals("mlp")) {
			return Presets.mlp(channelsFirst(shape), this.hidden, this.latentSize,
					Activation.of(Activation.Function.fromWireName(this.activation)), head, this.beta);
		}
		if (this.architecture.isTextual() && this.architecture.asText().equals("conv")) {
			List<Integer> input = channelsFirst(shape);
			return (this.widths != null) ? Presets.conv(input, this.widths, this.latentSize, head, this.beta)
					: Presets.conv(input, this.latentSize, head, this.beta);
		}
		if (this.architecture.isObject() && this.architecture.has("encoder") && this.architecture.has("decoder")) {
			List<Layer> encoder = layers("encoder");
			List<Layer> decoder = layers("decoder");
			return new Architecture(channelsFirst(shape), encoder, this.latentSize, decoder, head, this.beta);
		}
		throw new IllegalArgumentException(
				"architecture must be \"mlp\", \"conv\" or an object with \"encoder\" and \"decoder\" layer lists");
	}

	private List<Layer> layers(String part) {
		try {
			return LAYERS.readerForListOf(Layer.class).readValue(this.architecture.get(part));
		}
		catch (java.io.IOException ex) {
			String message = ex.getMessage();
			int newline = (message == null) ? -1 : message.indexOf('\n');
			throw new IllegalArgumentException("architecture." + part + " is not a list of layers: "
					+ ((newline < 0) ? message : message.substring(0, newline)));
		}
	}

	private DecoderHead head() {
		OutputActivation output = OutputActivation.fromWireName(this.outputActivation);
		boolean sigmoid = output == OutputActivation.SIGMOID;
		return switch (this.likelihood) {
			case "bernoulli" -> requireSigmoid(sigmoid, new DecoderHead.Bernoulli());
			case "continuous-bernoulli" -> requireSigmoid(sigmoid, new DecoderHead.ContinuousBernoulli());
			case "gaussian" -> new DecoderHead.FixedGaussian(output, this.sigma);
			case "gaussian-learned-variance" -> new DecoderHead.LearnedGaussian(output);
			case "gaussian-calibrated" -> new DecoderHead.CalibratedGaussian(output);
			default -> throw new IllegalArgumentException("unknown likelihood '" + this.likelihood
					+ "': expected bernoulli, continuous-bernoulli, gaussian, gaussian-learned-variance or gaussian-calibrated");
		};
	}

	private DecoderHead requireSigmoid(boolean sigmoid, DecoderHead head) {
		if (!sigmoid) {
			throw new IllegalArgumentException("the " + this.likelihood
					+ " likelihood needs outputActivation sigmoid (its mean is a probability)");
		}
		return head;
	}

	/** Height, width, channels (as datasets give them) as C×H×W. */
	static List<Integer> channelsFirst(List<Integer> hwc) {
		return List.of((hwc.size() > 2) ? hwc.get(2) : 1, hwc.get(0), (hwc.size() > 1) ? hwc.get(1) : 1);
	}

	public Trainer.Settings settings() {
		return new Trainer.Settings(this.epochs, this.batchSize, this.learningRate, this.seed, options());
	}

	/**
	 * The training and validation examples of {@code all}: a shuffle seeded by
	 * {@link #seed()}, then the last {@link #validationSplit()} held out.
	 */
	public Examples[] split(Examples all) {
		int n = all.count();
		int held = heldOut(n);
		int[] order = splitOrder(this.seed, n);
		int d = all.length();
		float[] shuffled = new float[all.values().length];
		for (int i = 0; i < n; i++) {
			System.arraycopy(all.values(), order[i] * d, shuffled, i * d, d);
		}
		Examples mixed = new Examples(shuffled, n, d);
		return new Examples[] { mixed.slice(0, n - held), mixed.slice(n - held, n) };
	}

	/** How many of {@code n} examples {@link #split} holds out for validation. */
	public int heldOut(int n) {
		return Math.max(1, Math.min(n - 1, (int) Math.round(n * this.validationSplit)));
	}

	/**
	 * The order {@link #split} puts {@code n} stored rows in: row {@code order[i]} is
	 * training example i for i &lt; n − held, validation example i − (n − held) after.
	 * Anyone who reads rows by their stored index (a Spark executor) applies it.
	 */
	public static int[] splitOrder(long seed, int n) {
		int[] order = new int[n];
		for (int i = 0; i < n; i++) {
			order[i] = i;
		}
		SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
		for (int i = n - 1; i > 0; i--) {
			int j = random.nextInt(i + 1);
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		return order;
	}

}

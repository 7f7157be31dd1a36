package dev.vae.training;

import dev.vae.model.ActivationKind;
import dev.vae.model.Architecture;
import dev.vae.model.Likelihood;
import dev.vae.model.Trainer;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/**
 * What a training job trains. Omitted fields take the defaults of the shipped model.
 *
 * @param dataset id of a stored dataset
 * @param name the model's name
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
 */
@Schema(description = "A training job's specification")
public record TrainingSpec(
		@Schema(description = "id of a stored dataset (POST /datasets)", example = "d-…",
				requiredMode = Schema.RequiredMode.REQUIRED) String dataset,
		@Schema(description = "the model's name", example = "shapes-small") String name,
		@Schema(description = "encoder hidden widths; the decoder mirrors them",
				example = "[128]") List<Integer> hidden,
		@Schema(description = "latent size", example = "8") Integer latentSize,
		@Schema(description = "relu, leaky-relu, elu, tanh, softplus or sigmoid", example = "relu") String activation,
		@Schema(description = "bernoulli, gaussian or continuous-bernoulli", example = "bernoulli") String likelihood,
		@Schema(description = "σ of a Gaussian decoder", example = "0.1") Double sigma,
		@Schema(description = "β, the weight of KL", example = "1.0") Double beta,
		@Schema(description = "epochs", example = "3") Integer epochs,
		@Schema(description = "minibatch size", example = "100") Integer batchSize,
		@Schema(description = "Adam learning rate", example = "0.001") Double learningRate,
		@Schema(description = "seed", example = "1") Long seed,
		@Schema(description = "fraction of the dataset held out for validation",
				example = "0.1") Double validationSplit) {

	TrainingSpec withDefaults() {
		if (this.hidden != null && this.hidden.stream().anyMatch(java.util.Objects::isNull)) {
			throw new IllegalArgumentException("hidden must be a list of positive whole numbers, was " + this.hidden);
		}
		return new TrainingSpec(this.dataset, (this.name != null) ? this.name : "job-model",
				(this.hidden != null) ? List.copyOf(this.hidden) : List.of(400),
				(this.latentSize != null) ? this.latentSize : 20, (this.activation != null) ? this.activation : "relu",
				(this.likelihood != null) ? this.likelihood : "bernoulli", (this.sigma != null) ? this.sigma : 1.0,
				(this.beta != null) ? this.beta : 1.0, (this.epochs != null) ? this.epochs : 10,
				(this.batchSize != null) ? this.batchSize : 100, (this.learningRate != null) ? this.learningRate : 1e-3,
				(this.seed != null) ? this.seed : 1L, (this.validationSplit != null) ? this.validationSplit : 0.1);
	}

	/**
	 * The architecture for inputs of {@code shape}; throws IllegalArgumentException
	 * naming what is wrong.
	 */
	Architecture architecture(List<Integer> shape) {
		return Architecture.mirrored(shape, this.hidden, this.latentSize, ActivationKind.fromWireName(this.activation),
				Likelihood.fromWireName(this.likelihood), this.sigma, this.beta);
	}

	Trainer.Settings settings() {
		return new Trainer.Settings(this.epochs, this.batchSize, this.learningRate, this.seed);
	}

}

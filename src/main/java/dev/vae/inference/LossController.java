package dev.vae.inference;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The per-input ELBO breakdown. */
@RestController
@Tag(name = "Loss", description = "The ELBO taken apart: BCE vs MSE vs Gaussian vs continuous-Bernoulli NLL, KL, IWAE")
class LossController {

	private final LossService loss;

	private final Predictor predictor;

	LossController(LossService loss, Predictor predictor) {
		this.loss = loss;
		this.predictor = predictor;
	}

	@PostMapping(path = "/loss", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Per-input ELBO breakdown",
			description = "For each input: the analytic KL(q(z|x) ‖ N(0, I)) in total and per dimension, and every reconstruction "
					+ "term of the same decoder output side by side: bce (the Bernoulli NLL), sse and mse, the Gaussian NLL "
					+ "SSE/(2σ²) + constant, and the continuous-Bernoulli NLL bce − Σ log C(x̂). The ELBO under each likelihood is "
					+ "−(NLL + β·KL), with the model's own marked. Estimators: z = μ always; Monte Carlo over `samples` draws with "
					+ "standard errors; the importance-weighted bound on log p(x) with `iwae_k` samples. All in nats.")
	LossApi.LossResponse loss(@RequestBody LossApi.LossRequest request,
			@Parameter(description = "as the body's samples") @RequestParam(required = false) Integer samples,
			@Parameter(description = "as the body's iwae_k") @RequestParam(name = "iwae_k",
					required = false) Integer iwaeK,
			@Parameter(description = "as the body's seed") @RequestParam(required = false) Long seed,
			@Parameter(description = "as the body's sigma") @RequestParam(required = false) Double sigma,
			@Parameter(description = "as the body's model") @RequestParam(required = false) String model) {
		String id = Vectors.option(request.model(), model, "model");
		return this.loss.loss(this.predictor.open(id),
				new LossApi.LossRequest(request.inputs(), Vectors.option(request.samples(), samples, "samples"),
						Vectors.option(request.iwaeK(), iwaeK, "iwae_k"), Vectors.option(request.seed(), seed, "seed"),
						Vectors.option(request.sigma(), sigma, "sigma"), request.terms(), id));
	}

}

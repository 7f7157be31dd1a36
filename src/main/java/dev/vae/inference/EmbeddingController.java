package dev.vae.inference;

import dev.vae.data.DatasetRow;
import dev.vae.data.DatasetService;
import dev.vae.model.network.Encoding;
import dev.vae.model.analysis.PrincipalComponents;
import dev.vae.registry.ServedModel;
import dev.vae.system.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The posterior means μ of a sample of a stored dataset, drawn in two dimensions: what
 * the explorer page's scatter plot shows, coloured by label. The sample is chosen by a
 * seed, so the same request gives the same points; each point keeps its example's index
 * ({@code GET /datasets/{id}/examples/{index}} fetches the image).
 */
@RestController
@Tag(name = "Pictures")
class EmbeddingController {

	private static final int CHUNK = 256;

	private final DatasetService datasets;

	private final Predictor predictor;

	private final EmbeddingSettings settings;

	EmbeddingController(DatasetService datasets, Predictor predictor, EmbeddingSettings settings) {
		this.datasets = datasets;
		this.predictor = predictor;
		this.settings = settings;
	}

	record Axis(@Schema(description = "PC1, PC2 for a PCA; z0, z1 for the first two dimensions") String name,
			@Schema(description = "the share of μ's total variance along this axis") double explained,
			@Schema(description = "the axis as a unit vector in latent space (for a PCA)") double[] direction) {
	}

	record Embedding(String model, String dataset, @Schema(description = "'pca' or 'dims'") String projection,
			@Schema(description = "the seed that chose the sample") long seed, List<Axis> axes,
			@Schema(description = "each point's example index in the dataset") int[] index,
			@Schema(description = "each point's label; absent for an unlabelled dataset") int[] label,
			@Schema(description = "each point's first coordinate") double[] x,
			@Schema(description = "each point's second coordinate") double[] y) {
	}

	@GetMapping("/datasets/{id}/embedding")
	@Operation(summary = "μ of a sample of a dataset, in two dimensions",
			description = "Encodes n examples chosen at random (by seed) and projects their posterior means μ onto the first "
					+ "two principal components of those μ (projection=pca, the default: x = a₁·(μ − μ̄), y = a₂·(μ − μ̄)) "
					+ "or takes μ's first two dimensions (projection=dims). A 1-dimensional latent space gets y = 0.")
	Embedding embedding(@PathVariable String id,
			@Parameter(description = "examples to encode (default vae.embedding.default-points, at most "
					+ "vae.embedding.max-points; all of a smaller dataset)") @RequestParam(required = false) Integer n,
			@Parameter(
					description = "chooses the sample; a fresh one is chosen and returned when omitted") @RequestParam(
							required = false) Long seed,
			@Parameter(description = "'pca' (default) or 'dims'") @RequestParam(required = false) String projection,
			@Parameter(description = "model version; the active one when omitted") @RequestParam(
					required = false) String model)
			throws IOException {
		String method = (projection == null) ? "pca" : projection;
		if (!method.equals("pca") && !method.equals("dims")) {
			throw new InvalidInputException("projection", "projection must be 'pca' or 'dims', was '" + method + "'");
		}
		int wanted = (n == null) ? this.settings.defaultPoints() : n;
		if (wanted < 2 || wanted > this.settings.maxPoints()) {
			throw new InvalidInputException("n",
					"n must lie in 2.." + this.settings.maxPoints() + " (vae.embedding.max-points), was " + wanted);
		}
		DatasetRow row = this.datasets.get(id);
		Prediction prediction = this.predictor.open(model);
		ServedModel served = prediction.model();
		if (row.length() != served.inputLength()) {
			throw new InvalidInputException("dataset",
					"dataset '" + id + "' holds images of " + row.height() + "×" + row.width() + "×" + row.channels()
							+ " (" + row.length() + " values); model '" + served.id() + "' takes "
							+ served.inputLength() + " (" + served.shapeText() + ")");
		}
		long chosen = Vectors.seedOrFresh(seed);
		int[] indices = sample(row.count(), Math.min(wanted, row.count()), chosen);
		if (indices.length < 2) {
			throw new InvalidInputException("dataset",
					"dataset '" + id + "' holds only " + row.count() + " example; an embedding needs at least 2");
		}
		double[][] mu = new double[indices.length][];
		for (int from = 0; from < indices.length; from += CHUNK) {
			int[] part = Arrays.copyOfRange(indices, from, Math.min(indices.length, from + CHUNK));
			Encoding q = prediction.encode(this.datasets.rows(id, part));
			System.arraycopy(q.mu(), 0, mu, from, part.length);
		}
		int[] labels = this.datasets.labels(id);
		int[] label = null;
		if (labels != null) {
			label = new int[indices.length];
			for (int i = 0; i < indices.length; i++) {
				label[i] = labels[indices[i]];
			}
		}
		double[] x = new double[mu.length];
		double[] y = new double[mu.length];
		List<Axis> axes;
		int k = served.latentSize();
		if (method.equals("pca")) {
			PrincipalComponents pca = PrincipalComponents.of(mu, Math.min(2, k));
			for (int i = 0; i < mu.length; i++) {
				double[] p = pca.project(mu[i]);
				x[i] = p[0];
				y[i] = (p.length > 1) ? p[1] : 0;
			}
			double[] explained = pca.explained();
			axes = new java.util.ArrayList<>();
			for (int a = 0; a < explained.length; a++) {
				axes.add(new Axis("PC" + (a + 1), explained[a], pca.axes()[a]));
			}
		}
		else {
			PrincipalComponents spread = PrincipalComponents.of(mu, 1);
			for (int i = 0; i < mu.length; i++) {
				x[i] = mu[i][0];
				y[i] = (k > 1) ? mu[i][1] : 0;
			}
			axes = new java.util.ArrayList<>();
			axes.add(new Axis("z0", share(x, spread.totalVariance()), null));
			if (k > 1) {
				axes.add(new Axis("z1", share(y, spread.totalVariance()), null));
			}
		}
		return new Embedding(served.id(), id, method, chosen, List.copyOf(axes), indices, label, x, y);
	}

	/** The variance of {@code values} as a share of {@code total}. */
	private static double share(double[] values, double total) {
		double mean = Arrays.stream(values).average().orElse(0);
		double sum = 0;
		for (double v : values) {
			sum += (v - mean) * (v - mean);
		}
		return (total > 0) ? sum / (values.length - 1) / total : 0;
	}

	/**
	 * {@code n} distinct indices of 0..count−1, in increasing order (partial
	 * Fisher–Yates).
	 */
	private static int[] sample(int count, int n, long seed) {
		int[] all = new int[count];
		for (int i = 0; i < count; i++) {
			all[i] = i;
		}
		SplittableRandom random = new SplittableRandom(seed);
		for (int i = 0; i < n; i++) {
			int j = i + random.nextInt(count - i);
			int t = all[i];
			all[i] = all[j];
			all[j] = t;
		}
		int[] chosen = Arrays.copyOf(all, n);
		Arrays.sort(chosen);
		return chosen;
	}

}

package dev.vae.model.network;

import dev.vae.model.ModelFixtures;
import dev.vae.model.checkpoint.Checkpoint;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import static dev.vae.model.ModelFixtures.randomRows;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Network#serving}: few rows run on weights held on the Java heap, summed one row
 * at a time, so a row's answer is the same alone or beside others; they agree with the
 * OpenBLAS path to float32 rounding, and more rows go to that path unchanged.
 */
class NetworkServingTests {

	private static final Path DEFAULT_CHECKPOINT = Path.of("src/main/resources/models/default.vae");

	@Test
	void aRowAnswersTheSameAloneAndAtAnyPlaceAmongOthers() {
		Passes serving = Checkpoint.read(DEFAULT_CHECKPOINT, 10_000_000).passes();
		double[][] x = unitRows(LeanForward.HELD_ROWS, 784, 3);
		double[][] z = randomRows(LeanForward.HELD_ROWS, 20, 4);
		Encoding together = serving.encode(x);
		double[][] etaTogether = serving.decodeLogits(z);
		for (int i = 0; i < x.length; i++) {
			Encoding alone = serving.encode(new double[][] { x[i] });
			assertThat(alone.mu()[0]).as("mu of row %d", i).containsExactly(together.mu()[i]);
			assertThat(alone.logvar()[0]).as("logvar of row %d", i).containsExactly(together.logvar()[i]);
			assertThat(serving.decodeLogits(new double[][] { z[i] })[0]).as("eta of row %d", i)
				.containsExactly(etaTogether[i]);
			// and in the other order, at another place
			double[][] reversed = new double[x.length][];
			for (int j = 0; j < x.length; j++) {
				reversed[j] = x[x.length - 1 - j];
			}
			assertThat(serving.encode(reversed).mu()[x.length - 1 - i]).containsExactly(together.mu()[i]);
		}
	}

	@Test
	void heldWeightsAgreeWithTheNetworkToFloatRounding() {
		Checkpoint.Loaded loaded = Checkpoint.read(DEFAULT_CHECKPOINT, 10_000_000);
		Passes serving = loaded.passes();
		Network network = loaded.network();
		double[][] x = unitRows(3, 784, 5);
		double[][] z = randomRows(3, 20, 6);
		Encoding held = serving.encode(x);
		Encoding blas = network.encode(x);
		double[][] etaHeld = serving.decodeLogits(z);
		double[][] etaBlas = network.decodeLogits(z);
		double worst = 0;
		int differing = 0;
		for (int i = 0; i < 3; i++) {
			worst = Math.max(worst, closeness(held.mu()[i], blas.mu()[i]));
			worst = Math.max(worst, closeness(held.logvar()[i], blas.logvar()[i]));
			worst = Math.max(worst, closeness(etaHeld[i], etaBlas[i]));
			differing += Arrays.equals(etaHeld[i], etaBlas[i]) ? 0 : 1;
		}
		// 784 or 400 float32 products summed in another order: a few units of float
		// rounding of the largest terms, far below what a model's outputs mean
		assertThat(worst).isLessThan(1e-4);
		// the held path is a different computation, not the same one called twice
		assertThat(differing).isPositive();
	}

	@Test
	void moreRowsThanHeldGoToTheNetworkUnchanged() {
		Checkpoint.Loaded loaded = Checkpoint.read(DEFAULT_CHECKPOINT, 10_000_000);
		double[][] x = unitRows(LeanForward.HELD_ROWS + 1, 784, 7);
		double[][] z = randomRows(LeanForward.HELD_ROWS + 1, 20, 8);
		Encoding served = loaded.passes().encode(x);
		Encoding direct = loaded.network().encode(x);
		double[][] eta = loaded.passes().decodeLogits(z);
		double[][] etaDirect = loaded.network().decodeLogits(z);
		for (int i = 0; i < x.length; i++) {
			assertThat(served.mu()[i]).containsExactly(direct.mu()[i]);
			assertThat(served.logvar()[i]).containsExactly(direct.logvar()[i]);
			assertThat(eta[i]).containsExactly(etaDirect[i]);
		}
	}

	@Test
	void networksThatAreNotDenseChainsOrNotFloatServeAsTheyAre() {
		Network conv = Network.initialise(ModelFixtures.aTinyConvVae(), DataType.FLOAT, 1);
		assertThat(conv.serving()).isSameAs(conv);
		Network doubles = Network.initialise(Presets.of(ModelFixtures.aTinyArchitecture()), DataType.DOUBLE, 1);
		assertThat(doubles.serving()).isSameAs(doubles);
		// 784·1300·2 + 1300·2·2 + 1300 weights: more than are held
		Network large = Network.initialise(Presets.of(new FormatOneArchitecture(List.of(784), List.of(1300),
				List.of(1300), 2, ActivationKind.RELU, dev.vae.model.head.Likelihood.BERNOULLI, 1, 1)), DataType.FLOAT,
				1);
		assertThat(large.serving()).isSameAs(large);
		Network small = Network.initialise(Presets.of(ModelFixtures.aTinyArchitecture()), DataType.FLOAT, 1);
		assertThat(small.serving()).isNotSameAs(small);
	}

	/** |a − b| / (1 + |b|), the worst over the values. */
	private static double closeness(double[] a, double[] b) {
		double worst = 0;
		for (int j = 0; j < a.length; j++) {
			worst = Math.max(worst, Math.abs(a[j] - b[j]) / (1 + Math.abs(b[j])));
		}
		return worst;
	}

	private static double[][] unitRows(int n, int d, long seed) {
		java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
		double[][] x = new double[n][d];
		for (double[] row : x) {
			for (int j = 0; j < d; j++) {
				row[j] = r.nextInt(10_001) / 10_000.0;
			}
		}
		return x;
	}

}

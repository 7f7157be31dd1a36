package dev.vae.model.network;

import dev.vae.model.ModelFixtures;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.Reconstruction;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static dev.vae.model.ModelFixtures.randomRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A format-1 network converted on load ({@link Network#fromFormatOne}) is the function
 * format 1 defined, written out here by hand on format 1's own parameter layout.
 */
class FormatOneConversionTests {

	@Test
	void theMlpFormOfAFormatOneNetworkIsTheSameFunctionInDoublePrecision() {
		for (Likelihood likelihood : Likelihood.values()) {
			FormatOneArchitecture architecture = FormatOneArchitecture.mirrored(List.of(6), List.of(5, 4), 2,
					ActivationKind.LEAKY_RELU, likelihood, 0.4, 1.3);
			double[] flat = ModelFixtures.formatOneParameters(architecture, 8);
			Network layered = Network.fromFormatOne(architecture, flat, DataType.DOUBLE);
			double[][] x = randomRows(3, 6, 4);
			double[][] eps = randomRows(3, 2, 5);
			Network.BatchLoss b = layered.lossAndGradient(Nd4j.create(x), Nd4j.create(eps), layered.newGradient());
			// the format-1 function written out by hand on its own layout: h = leaky(x·W
			// + b)
			double nll = 0;
			double kl = 0;
			for (int i = 0; i < 3; i++) {
				double[] h = x[i];
				int offset = 0;
				List<FormatOneArchitecture.LayerShape> layers = architecture.layers();
				double[][] heads = new double[2][];
				for (int l = 0; l < 2; l++) {
					h = leaky(affine(h, flat, offset, layers.get(l)));
					offset += (int) layers.get(l).parameterCount();
				}
				for (int l = 2; l < 4; l++) {
					heads[l - 2] = affine(h, flat, offset, layers.get(l));
					offset += (int) layers.get(l).parameterCount();
				}
				assertThat(layered.encode(x).mu()[i]).containsExactly(heads[0], within(1e-14));
				double[] z = new double[2];
				for (int k = 0; k < 2; k++) {
					z[k] = heads[0][k] + Math.exp(0.5 * heads[1][k]) * eps[i][k];
					kl += Reconstruction.kl(heads[0][k], heads[1][k]);
				}
				double[] a = z;
				for (int l = 4; l < layers.size(); l++) {
					a = affine(a, flat, offset, layers.get(l));
					a = (l < layers.size() - 1) ? leaky(a) : a;
					offset += (int) layers.get(l).parameterCount();
				}
				for (int j = 0; j < 6; j++) {
					nll += likelihood.nll(x[i][j], a[j], 0.4);
				}
			}
			assertThat(b.reconstruction()).as(likelihood.name()).isCloseTo(nll, within(1e-10));
			assertThat(b.kl()).isCloseTo(kl, within(1e-12));
		}
	}

	/** x·W + b with W [in, out] and b as format 1 lays them out from {@code offset}. */
	private static double[] affine(double[] x, double[] flat, int offset, FormatOneArchitecture.LayerShape shape) {
		double[] y = new double[shape.out()];
		for (int o = 0; o < shape.out(); o++) {
			double sum = flat[offset + shape.in() * shape.out() + o];
			for (int i = 0; i < shape.in(); i++) {
				sum += x[i] * flat[offset + i * shape.out() + o];
			}
			y[o] = sum;
		}
		return y;
	}

	/** ND4J's leaky ReLU as format 1 used it, slope 0.01. */
	private static double[] leaky(double[] a) {
		double[] y = new double[a.length];
		for (int i = 0; i < a.length; i++) {
			y[i] = (a[i] > 0) ? a[i] : 0.01 * a[i];
		}
		return y;
	}

}

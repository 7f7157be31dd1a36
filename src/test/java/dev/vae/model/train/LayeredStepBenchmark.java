package dev.vae.model.train;

import dev.vae.model.ModelFixtures;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;

import java.util.List;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Not a test: milliseconds per training step (forward, backward, no optimiser) of the
 * conv presets in float32, median of 9 after 3 warm-up steps. Run with OMP_NUM_THREADS=1
 * on a quiet machine.
 */
public final class LayeredStepBenchmark {

	private LayeredStepBenchmark() {
	}

	public static void main(String[] args) {
		int batch = (args.length > 0) ? Integer.parseInt(args[0]) : 64;
		time("conv preset 1×28×28, latent 16, bernoulli",
				Presets.conv(List.of(1, 28, 28), 16, new DecoderHead.Bernoulli(), 1), batch);
		time("conv preset 3×64×64, latent 128, calibrated gaussian + tanh",
				Presets.conv(List.of(3, 64, 64), 128, new DecoderHead.CalibratedGaussian(OutputActivation.TANH), 1),
				batch);
		time("mlp 784-400-20", Presets.of(ModelFixtures.anMnistMlp()), batch);
	}

	private static void time(String name, Architecture architecture, int batch) {
		Network network = Network.initialise(architecture, DataType.FLOAT, 1);
		INDArray x = Nd4j.rand(DataType.FLOAT, batch, architecture.inputLength());
		if (architecture.head().activation() == OutputActivation.TANH) {
			x.muli(2).subi(1);
		}
		INDArray eps = Nd4j.randn(DataType.FLOAT, batch, architecture.latentSize());
		INDArray gradient = network.newGradient();
		System.out.printf("%s (%d parameters), batch %d: %.1f ms per step%n", name, architecture.parameterCount(),
				batch, dev.vae.model.layer.ConvBenchmark.median(() -> network.lossAndGradient(x, eps, gradient)));
	}

}

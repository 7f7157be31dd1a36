package dev.vae.model.layer;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Batch normalisation over channel 0 of the example shape (PyTorch's {@code BatchNorm1d}
 * on [F], {@code BatchNorm2d} on [C, H, W]): weight γ and bias β trainable; running_mean
 * and running_var buffers. Training normalises with the batch's biased variance and moves
 * the running statistics by {@code momentum} toward the batch mean and unbiased variance;
 * inference normalises with the running statistics.
 *
 * @param eps added to the variance, PyTorch's 1e-5
 * @param momentum weight of the new batch in the running statistics, PyTorch's 0.1
 */
public record BatchNorm(double eps, double momentum) implements Layer {

	public BatchNorm {
		if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
			throw new IllegalArgumentException(
					"batch-norm: eps must be positive and momentum in [0, 1], were " + eps + ", " + momentum);
		}
	}

	/** PyTorch's defaults: eps 1e-5, momentum 0.1. */
	public static BatchNorm pytorch() {
		return new BatchNorm(1e-5, 0.1);
	}

	/** From JSON, PyTorch's defaults for what is not given. */
	@JsonCreator
	static BatchNorm fromJson(@JsonProperty("eps") Double eps, @JsonProperty("momentum") Double momentum) {
		return new BatchNorm((eps != null) ? eps : 1e-5, (momentum != null) ? momentum : 0.1);
	}

	@Override
	public String kind() {
		return "batch-norm";
	}

	@Override
	public Shape outputShape(Shape in) {
		return in;
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		return List.of(Parameter.constant("weight", 1, in.dim(0)), Parameter.constant("bias", 0, in.dim(0)));
	}

	@Override
	public List<Parameter> buffers(Shape in) {
		return List.of(Parameter.constant("running_mean", 0, in.dim(0)),
				Parameter.constant("running_var", 1, in.dim(0)));
	}

	@Override
	public LayerOp bind(Shape in, INDArray parameters, INDArray buffers) {
		List<Parameter> spec = parameters(in);
		List<INDArray> p = Parameter.views(spec, parameters);
		List<INDArray> b = Parameter.views(buffers(in), buffers);
		INDArray gamma = p.get(0);
		INDArray beta = p.get(1);
		INDArray runningMean = b.get(0);
		INDArray runningVar = b.get(1);
		// every axis but the channel axis 1 of the batch [N, C, …]
		int[] axes = IntStream.rangeClosed(0, in.rank()).filter((a) -> a != 1).toArray();
		long perChannel = in.size() / in.dim(0);
		Parameter.GradientViews gradientViews = new Parameter.GradientViews(spec);
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				long n = x.size(0) * perChannel;
				INDArray mean;
				INDArray variance;
				INDArray centred;
				if (tape.training()) {
					if (n < 2) {
						throw new IllegalArgumentException(
								"batch-norm needs more than one value per channel to train, got a batch of "
										+ x.size(0));
					}
					mean = tape.add(x.mean(axes));
					centred = tape.add(Broadcast.sub(x, mean, x.ulike(), 1));
					// σ²_B = mean (x − μ_B)², biased
					variance = tape.add(tape.add(centred.mul(centred)).mean(axes));
					// running ← (1 − m)·running + m·batch, the variance unbiased by n/(n
					// − 1)
					runningMean.muli(1 - momentum()).addi(tape.add(mean.mul(momentum())));
					runningVar.muli(1 - momentum()).addi(tape.add(variance.mul(momentum() * n / (n - 1.0))));
				}
				else {
					mean = runningMean;
					variance = runningVar;
					centred = tape.add(Broadcast.sub(x, mean, x.ulike(), 1));
				}
				// x̂ = (x − μ)/√(σ² + eps)
				INDArray inverseStd = tape.add(Transforms.pow(tape.add(variance.add(eps())), -0.5, false));
				INDArray normalised = Broadcast.mul(centred, inverseStd, centred, 1);
				tape.save(normalised);
				tape.save(inverseStd);
				// y = γ x̂ + β
				INDArray y = tape.add(Broadcast.mul(normalised, gamma, normalised.ulike(), 1));
				return Broadcast.add(y, beta, y, 1);
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				INDArray inverseStd = tape.restore();
				INDArray normalised = tape.restore();
				List<INDArray> g = gradientViews.of(gradient);
				double n = dy.size(0) * perChannel;
				// dβ = Σ dy, dγ = Σ dy x̂
				INDArray dBeta = tape.add(dy.sum(axes));
				INDArray dGamma = tape.add(tape.add(dy.mul(normalised)).sum(axes));
				g.get(0).assign(dGamma);
				g.get(1).assign(dBeta);
				// dx = γ/(n √(σ² + eps)) · (n dy − dβ − x̂ dγ)
				INDArray dx = tape.add(dy.mul(n));
				Broadcast.sub(dx, dBeta, dx, 1);
				INDArray xDGamma = tape.add(Broadcast.mul(normalised, dGamma, normalised.ulike(), 1));
				dx.subi(xDGamma);
				INDArray scale = tape.add(gamma.mul(inverseStd)).divi(n);
				return Broadcast.mul(dx, scale, dx, 1);
			}
		};
	}

}

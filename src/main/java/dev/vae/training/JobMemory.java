package dev.vae.training;

import dev.vae.model.layer.Conv2d;
import dev.vae.model.layer.ConvTranspose2d;
import dev.vae.model.layer.Shape;
import dev.vae.model.network.Architecture;
import dev.vae.system.MemoryBudget;

/**
 * A training job's peak memory, estimated from its spec before it is accepted (float32
 * throughout):
 * <ul>
 * <li>native (ND4J): weights and gradients, 2 × 4 bytes per parameter; per minibatch row,
 * every layer's output, its gradient and one temporary (3 × 4 bytes per value); and the
 * largest convolution's transient buffers: oneDNN's reordered copies of its input and
 * output (and of their gradients), a transposed convolution's unpadded output and its
 * gradient when it has output padding, a stride-1 convolution's zero-padded input and
 * widened output gradient for its weight gradient (see {@link #scratch});</li>
 * <li>heap: the dataset three times over while it is split (the stored values, the
 * shuffled copy, the two slices: 3 × 4 bytes per value); Adam's parameters, gradient and
 * two moments (model/AdamOptimizer works on heap arrays: 4 × 4 bytes per parameter); a
 * training checkpoint being written (a copy of the two moments and the bytes of each
 * array written: 4 × 4 bytes per parameter) and the moments a resumed run was read with
 * (2 × 4); with early stopping, the best epoch's copy, the next one made beside it, and
 * its bytes in a training checkpoint (3 × 4).</li>
 * </ul>
 * Validation passes run in batches of 256 without gradients, so the activations are
 * counted for the larger of the minibatch and 256 rows (the second once).
 */
final class JobMemory {

	private static final long FLOAT = 4;

	/** Rows of one validation pass (model/Evaluation). */
	private static final int EVALUATION_ROWS = 256;

	private JobMemory() {
	}

	static MemoryBudget.Estimate estimate(Architecture plan, int batchSize, long examples, long length) {
		return estimate(plan, batchSize, examples, length, false);
	}

	/**
	 * @param keepsBest whether the job stops early, keeping a copy of its best epoch
	 */
	static MemoryBudget.Estimate estimate(Architecture plan, int batchSize, long examples, long length,
			boolean keepsBest) {
		try {
			return exact(plan, batchSize, examples, length, keepsBest);
		}
		catch (ArithmeticException overflow) {
			return new MemoryBudget.Estimate(Long.MAX_VALUE, Long.MAX_VALUE, "more than 2^63 bytes");
		}
	}

	private static MemoryBudget.Estimate exact(Architecture a, int batchSize, long examples, long length,
			boolean keepsBest) {
		long parameters = a.parameterCount() + a.bufferCount();
		long activations = a.latentSize();
		long convolution = 0;
		for (Architecture.Slot slot : a.slots()) {
			activations = Math.addExact(activations, slot.out().size());
			convolution = Math.max(convolution, scratch(slot));
		}
		long rows = Math.min(batchSize, Math.max(1, examples));
		long state = Math.multiplyExact(parameters, 2 * FLOAT);
		long training = Math.multiplyExact(Math.multiplyExact(rows, activations), 3 * FLOAT);
		long validation = Math.multiplyExact(Math.multiplyExact(EVALUATION_ROWS, activations), FLOAT);
		long perRow = Math.max(training, validation);
		long im2col = Math.multiplyExact(Math.multiplyExact(Math.max(rows, EVALUATION_ROWS), convolution), FLOAT);
		long nativeBytes = Math.addExact(Math.addExact(state, perRow), im2col);
		long dataset = Math.multiplyExact(Math.multiplyExact(examples, length), 3 * FLOAT);
		long adam = Math.multiplyExact(parameters, 4 * FLOAT);
		long snapshot = Math.multiplyExact(parameters, 6 * FLOAT);
		long best = keepsBest ? Math.multiplyExact(parameters, 3 * FLOAT) : 0;
		long heap = Math.addExact(Math.addExact(Math.addExact(dataset, adam), snapshot), best);
		String breakdown = parameters + " parameters with gradients " + MemoryBudget.mb(state) + ", activations for "
				+ rows + " rows " + MemoryBudget.mb(perRow)
				+ ((im2col > 0) ? ", convolution buffers " + MemoryBudget.mb(im2col) : "") + "; dataset "
				+ MemoryBudget.mb(dataset) + ", Adam " + MemoryBudget.mb(adam) + ", training checkpoints "
				+ MemoryBudget.mb(snapshot)
				+ (keepsBest ? ", early stopping's best epoch " + MemoryBudget.mb(best) : "");
		return new MemoryBudget.Estimate(heap, nativeBytes, breakdown);
	}

	/**
	 * Values per row of a convolution's transient buffers, 0 for other layers: the input
	 * and output reordered for oneDNN and their gradients, 2 × (in + out); with output
	 * padding, the unpadded transposed output and its gradient, 2 × out·(H − 1)s + k × (W
	 * − 1)s + k; at stride 1, the padded input and widened output gradient of the weight
	 * gradient.
	 */
	private static long scratch(Architecture.Slot slot) {
		Shape in = slot.in();
		Shape out = slot.out();
		long reordered = 2 * (in.size() + out.size());
		if (slot.layer() instanceof Conv2d conv) {
			if (conv.stride() != 1) {
				return reordered;
			}
			long wide = in.dim(2) + 2L * conv.padding();
			return reordered + in.dim(0) * (in.dim(1) + 2L * conv.padding()) * wide + out.dim(0) * out.dim(1) * wide;
		}
		if (slot.layer() instanceof ConvTranspose2d conv) {
			if (conv.outputPadding() == 0) {
				return reordered;
			}
			long full = ((in.dim(1) - 1L) * conv.stride() + conv.kernel())
					* ((in.dim(2) - 1L) * conv.stride() + conv.kernel());
			return reordered + 2 * out.dim(0) * full;
		}
		return 0;
	}

	private static long sum(java.util.List<Integer> widths) {
		return widths.stream().mapToLong(Integer::longValue).sum();
	}

}

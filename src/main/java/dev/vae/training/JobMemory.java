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
 * largest convolution's im2col buffer and its gradient (2 × 4 bytes per row × C·k·k ×
 * output pixels);</li>
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

	static MemoryBudget.Estimate estimate(TrainingSpec.Plan plan, int batchSize, long examples, long length) {
		return estimate(plan, batchSize, examples, length, false);
	}

	/**
	 * @param keepsBest whether the job stops early, keeping a copy of its best epoch
	 */
	static MemoryBudget.Estimate estimate(TrainingSpec.Plan plan, int batchSize, long examples, long length,
			boolean keepsBest) {
		try {
			return exact(plan, batchSize, examples, length, keepsBest);
		}
		catch (ArithmeticException overflow) {
			return new MemoryBudget.Estimate(Long.MAX_VALUE, Long.MAX_VALUE, "more than 2^63 bytes");
		}
	}

	private static MemoryBudget.Estimate exact(TrainingSpec.Plan plan, int batchSize, long examples, long length,
			boolean keepsBest) {
		Architecture a = ((TrainingSpec.Plan.Layered) plan).architecture();
		long parameters = a.parameterCount() + a.bufferCount();
		long activations = a.latentSize();
		long convolution = 0;
		for (Architecture.Slot slot : a.slots()) {
			activations = Math.addExact(activations, slot.out().size());
			convolution = Math.max(convolution, columns(slot));
		}
		long rows = Math.min(batchSize, Math.max(1, examples));
		long state = Math.multiplyExact(parameters, 2 * FLOAT);
		long training = Math.multiplyExact(Math.multiplyExact(rows, activations), 3 * FLOAT);
		long validation = Math.multiplyExact(Math.multiplyExact(EVALUATION_ROWS, activations), FLOAT);
		long perRow = Math.max(training, validation);
		long im2col = Math.multiplyExact(Math.multiplyExact(Math.max(rows, EVALUATION_ROWS), convolution), 2 * FLOAT);
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
	 * Values per row of a convolution's im2col (or col2im) buffer; 0 for other layers.
	 */
	private static long columns(Architecture.Slot slot) {
		Shape in = slot.in();
		Shape out = slot.out();
		if (slot.layer() instanceof Conv2d conv) {
			return (long) in.dim(0) * conv.kernel() * conv.kernel() * out.dim(1) * out.dim(2);
		}
		if (slot.layer() instanceof ConvTranspose2d conv) {
			return (long) out.dim(0) * conv.kernel() * conv.kernel() * in.dim(1) * in.dim(2);
		}
		return 0;
	}

	private static long sum(java.util.List<Integer> widths) {
		return widths.stream().mapToLong(Integer::longValue).sum();
	}

}

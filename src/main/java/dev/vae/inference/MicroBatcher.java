package dev.vae.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * Gathers the rows of concurrent callers into one batched pass, the way Triton,
 * TorchServe and DJL Serving batch dynamically. One drain runs at a time per batcher: the
 * caller that finds none running leads on its own thread until its rows are answered, and
 * whatever still waits then drains on a shared executor (so an idle batcher holds no
 * thread and a leader never serves others indefinitely). A drain takes every waiting
 * request up to {@code maxBatch} rows, optionally waits up to {@code maxWait} for more,
 * runs the pass once, and hands each caller its own rows. Requests that arrive while a
 * pass runs form the next batch, so under load batches grow by themselves and at low load
 * nothing waits.
 */
final class MicroBatcher {

	private final UnaryOperator<double[][]> pass;

	private final Executor executor;

	private final int maxBatch;

	private final long maxWaitNanos;

	private final IntConsumer batchSizes;

	private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();

	private final AtomicBoolean draining = new AtomicBoolean();

	private record Pending(double[][] rows, CompletableFuture<double[][]> result, long queuedAt) {
	}

	private final java.util.function.LongConsumer waits;

	MicroBatcher(UnaryOperator<double[][]> pass, Executor executor, int maxBatch, long maxWaitNanos,
			IntConsumer batchSizes) {
		this(pass, executor, maxBatch, maxWaitNanos, batchSizes, (nanos) -> {
		});
	}

	/**
	 * @param waits receives each request's time in the queue, in nanoseconds, when its
	 * pass starts
	 */
	MicroBatcher(UnaryOperator<double[][]> pass, Executor executor, int maxBatch, long maxWaitNanos,
			IntConsumer batchSizes, java.util.function.LongConsumer waits) {
		this.waits = waits;
		this.pass = pass;
		this.executor = executor;
		this.maxBatch = maxBatch;
		this.maxWaitNanos = maxWaitNanos;
		this.batchSizes = batchSizes;
	}

	/**
	 * The pass's output rows for {@code rows}, computed in a batch with whatever else is
	 * waiting.
	 */
	double[][] apply(double[][] rows) {
		Pending pending = new Pending(rows, new CompletableFuture<>(), System.nanoTime());
		this.queue.add(pending);
		if (this.draining.compareAndSet(false, true)) {
			// no pass running: this caller leads, running batches on its own thread until
			// its rows are answered (no hand-off to the executor and back), then leaves
			// whatever still waits to a drain on the executor
			drain(pending);
		}
		else {
			schedule();
		}
		try {
			return pending.result().join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException cause) {
				throw cause;
			}
			throw ex;
		}
	}

	private void schedule() {
		if (!this.queue.isEmpty() && this.draining.compareAndSet(false, true)) {
			this.executor.execute(() -> drain(null));
		}
	}

	/**
	 * Runs batches while requests wait, or for a leader ({@code own} not null) until its
	 * own rows are answered; then lets the next drain start.
	 */
	private void drain(Pending own) {
		try {
			List<Pending> batch;
			while ((own == null || !own.result().isDone()) && !(batch = take()).isEmpty()) {
				run(batch);
			}
		}
		finally {
			this.draining.set(false);
			schedule();
		}
	}

	/**
	 * Waiting requests up to maxBatch rows (a larger single request goes alone), waiting
	 * up to maxWait to fill.
	 */
	private List<Pending> take() {
		List<Pending> batch = new ArrayList<>();
		int rows = 0;
		long deadline = System.nanoTime() + this.maxWaitNanos;
		while (true) {
			Pending next = this.queue.peek();
			if (next != null && (batch.isEmpty() || rows + next.rows().length <= this.maxBatch)) {
				this.queue.poll();
				batch.add(next);
				rows += next.rows().length;
				if (rows >= this.maxBatch) {
					return batch;
				}
				continue;
			}
			if (next != null || batch.isEmpty() || System.nanoTime() >= deadline) {
				return batch;
			}
			LockSupport.parkNanos(20_000);
		}
	}

	private void run(List<Pending> batch) {
		try {
			long now = System.nanoTime();
			batch.forEach((p) -> this.waits.accept(now - p.queuedAt()));
			int total = batch.stream().mapToInt((p) -> p.rows().length).sum();
			double[][] input = new double[total][];
			int at = 0;
			for (Pending p : batch) {
				System.arraycopy(p.rows(), 0, input, at, p.rows().length);
				at += p.rows().length;
			}
			double[][] output = (batch.size() == 1) ? this.pass.apply(batch.get(0).rows()) : this.pass.apply(input);
			this.batchSizes.accept(total);
			at = 0;
			for (Pending p : batch) {
				double[][] mine = new double[p.rows().length][];
				System.arraycopy(output, at, mine, 0, mine.length);
				at += mine.length;
				p.result().complete(mine);
			}
		}
		catch (RuntimeException | Error ex) {
			batch.forEach((p) -> p.result().completeExceptionally(ex));
		}
	}

}

package dev.vae.system;

import java.util.Optional;

import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The memory that training jobs and model imports may hold, heap and native apart: each
 * pool's limit less what serving keeps ({@link MemorySettings}). Work takes a
 * {@link Lease} of its estimate for as long as it runs, so what one request takes is
 * never what another's job needs: work larger than a pool's capacity is refused outright
 * ({@link #admissible}), and work that fits only once others finish waits
 * ({@link #tryReserve}) or is told to come back.
 */
@Component
public class MemoryBudget {

	private static final Logger log = LoggerFactory.getLogger(MemoryBudget.class);

	private static final long MB = 1L << 20;

	private final long heapCapacity;

	private final long nativeCapacity;

	private final String heapOrigin;

	private final String nativeOrigin;

	private long heapHeld;

	private long nativeHeld;

	public MemoryBudget(MemorySettings settings) {
		long heapLimit = (settings.heapLimit() != null) ? settings.heapLimit().toBytes()
				: Runtime.getRuntime().maxMemory();
		long nativeLimit = (settings.nativeLimit() != null) ? settings.nativeLimit().toBytes() : Pointer.maxBytes();
		this.heapCapacity = Math.max(0, heapLimit - settings.heapReserve().toBytes());
		this.nativeCapacity = Math.max(0, nativeLimit - settings.nativeReserve().toBytes());
		this.heapOrigin = "heap limit " + mb(heapLimit) + " less " + mb(settings.heapReserve().toBytes())
				+ " kept for serving (vae.memory.heap-reserve)";
		this.nativeOrigin = "native limit " + mb(nativeLimit) + " less " + mb(settings.nativeReserve().toBytes())
				+ " kept for serving (vae.memory.native-reserve)";
		log.info("Training and imports may hold {} of heap ({}) and {} of native memory ({})", mb(this.heapCapacity),
				this.heapOrigin, mb(this.nativeCapacity), this.nativeOrigin);
	}

	/**
	 * What a piece of work needs at its peak.
	 *
	 * @param heap bytes on the Java heap
	 * @param nativeBytes bytes off the heap (ND4J arrays)
	 * @param breakdown how the figures were reached, for messages
	 */
	public record Estimate(long heap, long nativeBytes, String breakdown) {

		public Estimate {
			if (heap < 0 || nativeBytes < 0) {
				throw new IllegalArgumentException("an estimate is never negative");
			}
		}

	}

	/**
	 * Refuses work that could never run here, whatever else finishes: 422 naming the
	 * estimate and the limit.
	 */
	public void admissible(String field, String what, Estimate estimate) {
		if (estimate.heap() > this.heapCapacity) {
			throw new InsufficientMemoryException(field,
					what + " needs an estimated " + mb(estimate.heap()) + " of heap, more than the "
							+ mb(this.heapCapacity) + " this service can give it (" + this.heapOrigin + "); estimate: "
							+ estimate.breakdown());
		}
		if (estimate.nativeBytes() > this.nativeCapacity) {
			throw new InsufficientMemoryException(field,
					what + " needs an estimated " + mb(estimate.nativeBytes()) + " of native memory, more than the "
							+ mb(this.nativeCapacity) + " this service can give it (" + this.nativeOrigin
							+ "); estimate: " + estimate.breakdown());
		}
	}

	/** A lease of the estimate if it fits beside what others hold now, else empty. */
	public synchronized Optional<Lease> tryReserve(Estimate estimate) {
		if (this.heapHeld + estimate.heap() > this.heapCapacity
				|| this.nativeHeld + estimate.nativeBytes() > this.nativeCapacity) {
			return Optional.empty();
		}
		this.heapHeld += estimate.heap();
		this.nativeHeld += estimate.nativeBytes();
		return Optional.of(new Lease(estimate));
	}

	/**
	 * A lease of work already chosen to fit {@link #free()} (a claimed job): taken even
	 * if an import took memory in between, so the budget stays a true account.
	 */
	public synchronized Lease reserve(Estimate estimate) {
		this.heapHeld += estimate.heap();
		this.nativeHeld += estimate.nativeBytes();
		return new Lease(estimate);
	}

	/** Heap and native bytes free for more work now. */
	public synchronized long[] free() {
		return new long[] { Math.max(0, this.heapCapacity - this.heapHeld),
				Math.max(0, this.nativeCapacity - this.nativeHeld) };
	}

	/** Heap and native bytes held by running work now. */
	public synchronized long[] held() {
		return new long[] { this.heapHeld, this.nativeHeld };
	}

	public long heapCapacity() {
		return this.heapCapacity;
	}

	public long nativeCapacity() {
		return this.nativeCapacity;
	}

	private synchronized void release(Estimate estimate) {
		this.heapHeld -= estimate.heap();
		this.nativeHeld -= estimate.nativeBytes();
	}

	/** Memory held until closed (once). */
	public final class Lease implements AutoCloseable {

		private final Estimate estimate;

		private boolean closed;

		private Lease(Estimate estimate) {
			this.estimate = estimate;
		}

		@Override
		public void close() {
			synchronized (MemoryBudget.this) {
				if (!this.closed) {
					this.closed = true;
					release(this.estimate);
				}
			}
		}

	}

	/** Bytes as whole mebibytes, rounded up: "13 MB". */
	public static String mb(long bytes) {
		return ((bytes + MB - 1) / MB) + " MB";
	}

}

package dev.vae.model;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Sets how many threads ND4J's native code uses per operation. On the 2-core machines
 * this service is measured on, one thread per operation was fastest: training ran about
 * 1.8× faster than with the default, and p99 latency fell from about 8 ms to under 1 ms,
 * because concurrent requests and the trainer already keep both cores busy and OpenMP's
 * fork/join costs more than it saves on matrices this small. {@code OMP_NUM_THREADS} (set
 * in the Dockerfile, the Maven plugins and docker-compose) fixes it before the library
 * loads; this call applies the same setting at run time for launches that did not set the
 * variable.
 */
public final class NativeThreads {

	private NativeThreads() {
	}

	/** Applies {@code threads} to ND4J's op executor and to OpenBLAS. */
	public static void configure(int threads) {
		Nd4j.getEnvironment().setMaxThreads(threads);
		Nd4j.getEnvironment().setMaxMasterThreads(threads);
		Nd4j.factory().blas().setMaxThreads(threads);
	}

	/**
	 * Sets the OpenMP threads of the calling thread only (OpenMP keeps the setting per
	 * thread): a training thread may run its convolutions (oneDNN's, parallel through
	 * OpenMP) on several cores while request threads keep one each. OpenBLAS's GEMMs and
	 * libnd4j's element-wise ops keep {@link #configure}'s process-wide setting.
	 */
	public static void forThisThread(int threads) {
		Nd4j.getExecutioner();
		NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
	}

	/** The OpenMP threads of the calling thread. */
	public static int ofThisThread() {
		Nd4j.getExecutioner();
		return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
	}

}

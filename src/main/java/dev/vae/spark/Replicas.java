package dev.vae.spark;

import dev.vae.model.train.Replica;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The replicas an executor JVM keeps between steps, per training run: building a network
 * and its step buffers every step would cost more than a small step itself. A replica is
 * used by one task at a time (borrowed and given back); an executor running two tasks at
 * once holds two.
 */
final class Replicas {

	private static final Map<String, Queue<Replica>> POOL = new ConcurrentHashMap<>();

	private Replicas() {
	}

	static Replica borrow(String run, NetworkSpec spec) {
		Replica replica = POOL.computeIfAbsent(run, (r) -> new ConcurrentLinkedQueue<>()).poll();
		return (replica != null) ? replica : spec.initialise().replica();
	}

	static void giveBack(String run, Replica replica) {
		POOL.computeIfAbsent(run, (r) -> new ConcurrentLinkedQueue<>()).add(replica);
	}

	/**
	 * Frees a finished run's replicas in this JVM (the driver's, in local mode; executors
	 * of a cluster end with the application).
	 */
	static void release(String run) {
		Queue<Replica> replicas = POOL.remove(run);
		if (replicas != null) {
			replicas.forEach(Replica::close);
		}
	}

}

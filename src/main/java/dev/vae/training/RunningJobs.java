package dev.vae.training;

import java.util.HashSet;
import java.util.Set;

/**
 * What the job queue needs of the trainers that run this replica's jobs (the local
 * trainer, the Spark driver launcher): which jobs they are running, so that their leases
 * are renewed, and a way to stop one.
 */
interface RunningJobs {

	/** The jobs running here now. */
	Set<String> running();

	/** Stops a job if it runs here; does nothing otherwise. */
	void cancel(String id);

	/**
	 * Saves a training checkpoint of a job running here and stops it as PAUSED; does
	 * nothing when it does not run here (or its engine cannot pause).
	 */
	default void pause(String id) {
	}

	/** All of {@code engines} as one. */
	static RunningJobs of(RunningJobs... engines) {
		return new RunningJobs() {
			@Override
			public Set<String> running() {
				Set<String> all = new HashSet<>();
				for (RunningJobs engine : engines) {
					all.addAll(engine.running());
				}
				return all;
			}

			@Override
			public void cancel(String id) {
				for (RunningJobs engine : engines) {
					engine.cancel(id);
				}
			}

			@Override
			public void pause(String id) {
				for (RunningJobs engine : engines) {
					engine.pause(id);
				}
			}
		};
	}

}

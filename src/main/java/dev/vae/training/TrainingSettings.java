package dev.vae.training;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a training job uses the machine.
 *
 * @param threads native threads of each training job's own thread (OpenMP, which runs
 * oneDNN's convolutions); 0: as many as the machine has, which helps a replica that only
 * trains, while beside requests on 2 cores it slowed both (1 is the default). Serving
 * keeps {@code vae.native-threads}, since OpenMP's setting belongs to the thread that
 * makes it.
 */
@ConfigurationProperties("vae.training")
record TrainingSettings(@DefaultValue("1") int threads) {

	TrainingSettings {
		if (threads < 0) {
			throw new IllegalArgumentException(
					"vae.training.threads must be 0 (all cores) or positive, was " + threads);
		}
	}

	/** The thread count a job uses. */
	int jobThreads() {
		return (this.threads > 0) ? this.threads : Runtime.getRuntime().availableProcessors();
	}

}

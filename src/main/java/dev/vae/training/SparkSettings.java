package dev.vae.training;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where {@code "engine": "spark"} jobs run. Unset {@code master} turns the engine off:
 * such jobs are refused with a 400 naming this setting.
 *
 * @param master the Spark master URL: {@code spark://host:7077}, {@code local[2]},
 * {@code yarn}, {@code k8s://…}
 * @param jobJar the shaded job artifact ({@code target/vae-spark-job.jar})
 * @param jarsDir a folder of Spark's jars for the driver's class path (a Spark
 * distribution's {@code jars/}, or {@code dependency:copy-dependencies} output)
 * @param classpath the driver's whole class path, instead of job-jar and jars-dir
 * @param java the java executable for the driver process (default: the service's own)
 * @param driverMemory the driver JVM's heap
 * @param partitions data-parallel width (0: Spark's default parallelism)
 * @param localSteps 1: gradients aggregated every step (the local trainer's run to
 * rounding); K &gt; 1: K local steps per partition between parameter averages
 * @param driverHost the address executors reach the driver at
 * @param conf further Spark settings for the application (for a dataset in S3:
 * {@code spark.vae.s3.endpoint}, {@code .region}, {@code .path-style},
 * {@code .access-key}, {@code .secret-key}, as the executors reach the bucket)
 * @param checkpointEvery steps between the driver's training checkpoints (one is written
 * after every epoch as well)
 * @param driverRestarts how often a driver that vanished (killed, its machine lost) is
 * started again from its last training checkpoint before the job fails
 */
@ConfigurationProperties("vae.spark")
public record SparkSettings(String master, Path jobJar, Path jarsDir, String classpath, Path java,
		@DefaultValue("1GB") DataSize driverMemory, @DefaultValue("0") int partitions,
		@DefaultValue("1") int localSteps, @DefaultValue("127.0.0.1") String driverHost,
		@DefaultValue Map<String, String> conf, @DefaultValue("200") long checkpointEvery,
		@DefaultValue("2") int driverRestarts) {

	public boolean enabled() {
		return this.master != null && !this.master.isBlank();
	}

	/** What is missing for the engine to run, or null when nothing is. */
	String missing() {
		if (!enabled()) {
			return "vae.spark.master is not set";
		}
		if ((this.classpath == null || this.classpath.isBlank()) && (this.jobJar == null || this.jarsDir == null)) {
			return "vae.spark.job-jar and vae.spark.jars-dir (or vae.spark.classpath) must be set with vae.spark.master";
		}
		return null;
	}

	Path javaExecutable() {
		return (this.java != null) ? this.java : Path.of(System.getProperty("java.home"), "bin", "java");
	}

	/** The driver's class path: the job jar and Spark's jars, or the one given. */
	String driverClasspath() {
		if (this.classpath != null && !this.classpath.isBlank()) {
			return this.classpath;
		}
		return this.jobJar.toAbsolutePath() + File.pathSeparator + this.jarsDir.toAbsolutePath().resolve("*");
	}

	List<String> confArguments() {
		return this.conf.entrySet()
			.stream()
			.flatMap((e) -> Stream.<String>of("--conf", e.getKey() + "=" + e.getValue()))
			.toList();
	}

}

package dev.vae.training;

import java.util.List;

/**
 * The JVM options spark-submit adds for Spark on Java 17
 * ({@code org.apache.spark.launcher.JavaModuleOptions}): Kryo, Netty and Spark's off-heap
 * code reach into these packages. A driver started as a plain JVM needs them on its
 * command line; Spark adds them to the executors it launches itself.
 */
final class SparkJvmOptions {

	/** Spark 4.2's list, without the options Java 17 does not know. */
	static final List<String> SPARK = List.of("-XX:+IgnoreUnrecognizedVMOptions",
			"--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
			"--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
			"--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
			"--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
			"--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
			"--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
			"--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
			"--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
			"--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
			"-Dio.netty.tryReflectionSetAccessible=true");

	private SparkJvmOptions() {
	}

}

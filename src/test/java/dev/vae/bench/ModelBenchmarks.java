package dev.vae.bench;

import dev.vae.model.NativeThreads;
import dev.vae.model.analysis.LossAnalysis;
import dev.vae.model.checkpoint.FormatOneCheckpoint;
import dev.vae.model.head.Likelihood;
import dev.vae.model.network.Network;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH benchmarks of the model core on the shipped default model (784-400-20): encode at
 * batch 1/32/256, the /loss analysis of one input with L = 1 and L = 16 Monte Carlo
 * samples, and IWAE with k = 100. Run by {@code bench/run.sh}; not part of the test
 * suite.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ModelBenchmarks {

	@Param({ "1", "32", "256" })
	public int batch;

	private Network network;

	private double[][] inputs;

	private double[][] one;

	@Setup
	public void load() throws IOException {
		NativeThreads.configure(1);
		try (InputStream in = ModelBenchmarks.class.getResourceAsStream("/models/default.vae")) {
			this.network = FormatOneCheckpoint.read(in, "default", 10_000_000).network();
		}
		this.inputs = new double[this.batch][];
		for (int i = 0; i < this.batch; i++) {
			this.inputs[i] = dev.vae.data.Shapes.generate(2, i, 1).examples().row(0);
		}
		this.one = new double[][] { this.inputs[0] };
	}

	@Benchmark
	public Object encode() {
		return this.network.encode(this.inputs);
	}

	@Benchmark
	public Object lossL1() {
		return LossAnalysis.analyse(this.network, this.one, new LossAnalysis.Options(1, 1, 0, 1, true));
	}

	@Benchmark
	public Object lossL16() {
		return LossAnalysis.analyse(this.network, this.one, new LossAnalysis.Options(1, 16, 0, 1, true));
	}

	@Benchmark
	public Object iwaeK100() {
		return LossAnalysis.analyse(this.network, this.one, new LossAnalysis.Options(1, 0, 100, 1, true));
	}

}

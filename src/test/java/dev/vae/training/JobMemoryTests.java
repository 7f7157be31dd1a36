package dev.vae.training;

import dev.vae.model.network.Architecture;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.system.MemoryBudget;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JobMemoryTests {

	@Test
	void earlyStoppingAddsItsCopiesOfTheBestEpochToTheHeapEstimate() throws Exception {
		TrainingSpec spec = new ObjectMapper()
			.readValue("{\"dataset\": \"d\", \"hidden\": [64], \"latentSize\": 4}", TrainingSpec.class)
			.withDefaults();
		Architecture plan = spec.plan(List.of(28, 28, 1));
		long parameters = plan.parameterCount();
		MemoryBudget.Estimate plain = JobMemory.estimate(plan, 100, 1000, 784);
		MemoryBudget.Estimate keeping = JobMemory.estimate(plan, 100, 1000, 784, true);
		// the best copy, the next one beside it, and its bytes in a training checkpoint
		assertThat(keeping.heap() - plain.heap()).isEqualTo(12 * parameters);
		assertThat(keeping.nativeBytes()).isEqualTo(plain.nativeBytes());
		assertThat(keeping.breakdown()).contains("early stopping's best epoch");
		assertThat(plain.breakdown()).doesNotContain("early stopping");
	}

}

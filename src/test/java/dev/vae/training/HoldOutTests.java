package dev.vae.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.model.Examples;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Held-out classes: which rows train and which are the known anomalies. */
class HoldOutTests {

	private static TrainingSpec spec(String json) throws Exception {
		return new ObjectMapper().readValue(json, TrainingSpec.class);
	}

	@Test
	void heldOutRowsAreTheKnownAnomaliesInDatasetOrder() throws Exception {
		// row i holds the values i, i + 0.5
		float[] values = new float[10];
		for (int i = 0; i < 5; i++) {
			values[2 * i] = i;
			values[2 * i + 1] = i + 0.5f;
		}
		Examples all = new Examples(values, 5, 2);
		Examples[] parts = spec("{\"dataset\": \"d\", \"holdOutClasses\": [1, 3]}").withDefaults()
			.holdOut(all, new int[] { 0, 1, 2, 1, 3 });
		assertThat(parts[0].count()).isEqualTo(2);
		assertThat(parts[0].values()).containsExactly(0f, 0.5f, 2f, 2.5f);
		assertThat(parts[1].count()).isEqualTo(3);
		assertThat(parts[1].values()).containsExactly(1f, 1.5f, 3f, 3.5f, 4f, 4.5f);
	}

	@Test
	void aSpecStoredBeforeTheFieldExistedHoldsNothingOut() throws Exception {
		TrainingSpec stored = spec("{\"dataset\": \"d\", \"epochs\": 1}");
		assertThat(stored.holdOutClasses()).isEmpty();
		assertThat(stored.withDefaults().holdOutClasses()).isEmpty();
		assertThat(spec("{\"dataset\": \"d\", \"holdOutClasses\": [2]}").withDefaults().holdOutClasses())
			.isEqualTo(List.of(2));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> spec("{\"dataset\": \"d\", \"holdOutClasses\": [null]}").withDefaults())
			.withMessageStartingWith("holdOutClasses");
	}

}

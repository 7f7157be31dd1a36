package dev.vae.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvTests {

	private static Dataset read(String csv, List<Integer> shape) throws IOException {
		return Csv.read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), "t.csv", shape, 1000);
	}

	@Test
	void unitValuesAreKeptAndAHeaderIsSkipped() throws IOException {
		Dataset data = read("a,b,c,d\n0,0.5,1,0.25\n1,1,0,0\n", List.of(2, 2, 1));
		assertThat(data.examples().count()).isEqualTo(2);
		assertThat(data.examples().values()).containsExactly(0f, 0.5f, 1f, 0.25f, 1f, 1f, 0f, 0f);
		assertThat(data.shape()).containsExactly(2, 2, 1);
	}

	@Test
	void byteValuesAreScaled() throws IOException {
		Dataset data = read("0,255,51\n", null);
		assertThat(data.examples().values()).containsExactly(0f, 1f, 0.2f);
		assertThat(data.shape()).containsExactly(1, 3, 1);
		assertThat(data.description()).contains("0..255 scaled");
	}

	@Test
	void badCellsAreNamedByLineAndColumn() {
		assertThatThrownBy(() -> read("0,1\n0,x\n", null)).isInstanceOf(DatasetFormatException.class)
			.hasMessage("t.csv line 2, column 2: 'x' is not a number");
		assertThatThrownBy(() -> read("0,1\n0,-1\n", null)).hasMessageContaining("line 2, column 2: -1.0 is outside");
		assertThatThrownBy(() -> read("0,1\n0,1,1\n", null))
			.hasMessage("t.csv line 2 has 3 values; the first row has 2");
		assertThatThrownBy(() -> read("0,1,1\n", List.of(2, 2, 1))).hasMessageContaining("needs 4");
		assertThatThrownBy(() -> read("\n\n", null)).hasMessage("t.csv holds no rows of numbers");
	}

}

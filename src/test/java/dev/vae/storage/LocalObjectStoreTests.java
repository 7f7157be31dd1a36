package dev.vae.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local object store: digests as recorded, reads checked against them. */
class LocalObjectStoreTests {

	/** SHA-256 of "abc", FIPS 180-2 appendix B.1. */
	private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

	@TempDir
	Path dir;

	@Test
	void putRecordsTheSha256AndGetChecksIt() throws Exception {
		LocalObjectStore store = new LocalObjectStore(this.dir);
		Path file = Files.writeString(this.dir.resolve("upload.tmp"), "abc");
		assertThat(store.put("models/m-1.vae", file)).isEqualTo(ABC);
		assertThat(file).doesNotExist();
		Path stored = store.get("models/m-1.vae", ABC);
		assertThat(Files.readString(stored)).isEqualTo("abc");
		assertThat(store.get("models/m-1.vae", null)).isEqualTo(stored);
	}

	@Test
	void deleteAllRemovesOnlyTheKeysUnderItsPrefix() throws Exception {
		LocalObjectStore store = new LocalObjectStore(this.dir);
		for (String key : new String[] { "training/j-1/step-10.ckpt", "training/j-1/step-27.ckpt",
				"training/j-12/step-10.ckpt", "models/m-1.vae" }) {
			store.put(key, Files.writeString(this.dir.resolve("upload.tmp"), "abc"));
		}
		store.deleteAll("training/j-1/");
		assertThat(this.dir.resolve("training/j-1/step-10.ckpt")).doesNotExist();
		assertThat(this.dir.resolve("training/j-1/step-27.ckpt")).doesNotExist();
		assertThat(store.get("training/j-12/step-10.ckpt", ABC)).exists();
		assertThat(store.get("models/m-1.vae", ABC)).exists();
		store.deleteAll("training/j-nothing/");
	}

	@Test
	void bytesThatDoNotMatchTheirDigestAreRefused() throws Exception {
		LocalObjectStore store = new LocalObjectStore(this.dir);
		store.put("datasets/d-1.f32", Files.writeString(this.dir.resolve("upload.tmp"), "abc"));
		Files.write(this.dir.resolve("datasets/d-1.f32"), "abd".getBytes(StandardCharsets.US_ASCII));
		assertThatThrownBy(() -> store.get("datasets/d-1.f32", ABC)).isInstanceOf(CorruptObjectException.class)
			.hasMessageContaining("datasets/d-1.f32")
			.hasMessageContaining("expected " + ABC);
	}

	@Test
	void missingObjectsAndKeysOutsideTheDirectoryAreRefused() throws Exception {
		LocalObjectStore store = new LocalObjectStore(this.dir.resolve("store"));
		assertThatThrownBy(() -> store.get("models/absent.vae", ABC)).isInstanceOf(NoSuchFileException.class);
		assertThatThrownBy(() -> store.get("../outside", ABC)).isInstanceOf(IllegalArgumentException.class);
		store.delete("models/absent.vae");
	}

	@Test
	void digestsOfBytesAndFilesAgree() throws Exception {
		assertThat(Digests.sha256("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(ABC);
		assertThat(Digests.sha256(Files.writeString(this.dir.resolve("abc"), "abc"))).isEqualTo(ABC);
	}

}

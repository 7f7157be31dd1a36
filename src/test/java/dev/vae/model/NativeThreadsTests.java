package dev.vae.model;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A training thread's OpenMP setting stays its own: request threads beside it keep
 * theirs.
 */
class NativeThreadsTests {

	@Test
	void aThreadsOpenMpSettingDoesNotReachOtherThreads() throws InterruptedException {
		int mine = NativeThreads.ofThisThread();
		AtomicInteger trainer = new AtomicInteger();
		AtomicInteger bystander = new AtomicInteger();
		Thread training = new Thread(() -> {
			NativeThreads.forThisThread(mine + 2);
			trainer.set(NativeThreads.ofThisThread());
			Thread other = new Thread(() -> bystander.set(NativeThreads.ofThisThread()));
			other.start();
			try {
				other.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		training.start();
		training.join();
		assertThat(trainer.get()).isEqualTo(mine + 2);
		assertThat(bystander.get()).isEqualTo(mine);
		assertThat(NativeThreads.ofThisThread()).isEqualTo(mine);
	}

}

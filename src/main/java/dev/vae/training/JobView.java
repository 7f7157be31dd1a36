package dev.vae.training;

import dev.vae.model.train.Trainer;
import io.swagger.v3.oas.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/**
 * A training job as clients see it.
 *
 * @param id the job's id
 * @param status QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED or CANCELLED
 * @param spec what it trains
 * @param createdAt when it was submitted
 * @param startedAt when it started running
 * @param finishedAt when it finished
 * @param progress how far it is
 * @param epochs metrics of each finished epoch
 * @param error why it failed
 * @param model the model version it registered
 * @param replica the replica that runs (or ran) it
 * @param anomaly the anomaly reference it stored and, with held-out classes, detection
 * quality
 * @param resumedFrom where the current run continued from, when the job was interrupted
 * or paused
 * @param checkpoint its last training checkpoint, while it has one
 */
public record JobView(String id, JobStatus status, TrainingSpec spec, Instant createdAt, Instant startedAt,
		Instant finishedAt, Progress progress, List<Trainer.EpochMetrics> epochs, String error,
		@Schema(description = "the registered model version, once SUCCEEDED") String model,
		@Schema(description = "the replica that runs or ran it (vae.replica.id)") String replica,
		@Schema(description = "once SUCCEEDED: the reference distribution of −log p(x) stored with the model and, with "
				+ "holdOutClasses, AUROC and TPR at the FPR of each anomaly score") JobCalibration.Report anomaly,
		@Schema(description = "set once the job was interrupted (its replica stopped, or a client paused it) and "
				+ "continued from a training checkpoint") Resumed resumedFrom,
		@Schema(description = "the last training checkpoint (network, Adam state, position in the run) that a resumed "
				+ "run continues from") Saved checkpoint) {

	/**
	 * Where a job's current run continued from.
	 *
	 * @param epoch the epoch it continued (1-based)
	 * @param step minibatches done over the whole run when it continued
	 * @param resumes how many times the job was resumed
	 * @param reason why it was last interrupted
	 * @param summary the same in words: "resumed from epoch 3 / step 1200"
	 */
	public record Resumed(int epoch, long step, int resumes, String reason,
			@Schema(example = "resumed from epoch 3 / step 1200") String summary) {

		static Resumed of(int epoch, long step, int resumes, String reason) {
			return new Resumed(epoch, step, resumes, reason, "resumed from epoch " + epoch + " / step " + step);
		}

	}

	/**
	 * A training checkpoint's position.
	 *
	 * @param epoch the epoch a resumed run would continue (1-based)
	 * @param step minibatches done over the whole run
	 */
	public record Saved(int epoch, long step) {
	}

	/**
	 * @param epoch the epoch in progress (or last finished)
	 * @param totalEpochs epochs in all
	 * @param step minibatches done
	 * @param totalSteps minibatches in all
	 * @param fraction step / totalSteps
	 * @param etaSeconds estimated seconds left, while running
	 */
	public record Progress(int epoch, int totalEpochs, long step, long totalSteps, double fraction, Double etaSeconds) {

		/**
		 * The progress of a job running here since {@code startedNanos}
		 * ({@link System#nanoTime()}): the fraction of steps done and the time left at
		 * the pace so far.
		 */
		static Progress running(int epoch, int totalEpochs, long step, long totalSteps, long startedNanos) {
			return running(epoch, totalEpochs, step, totalSteps, startedNanos, 0);
		}

		/**
		 * The same for a run that continued from a checkpoint after {@code firstStep}
		 * steps: the pace counts only the steps taken since.
		 */
		static Progress running(int epoch, int totalEpochs, long step, long totalSteps, long startedNanos,
				long firstStep) {
			double fraction = (totalSteps > 0) ? (double) step / totalSteps : 0;
			long done = step - firstStep;
			Double eta = (done > 0) ? (System.nanoTime() - startedNanos) / 1e9 * (totalSteps - step) / done : null;
			return new Progress(epoch, totalEpochs, step, totalSteps, fraction, eta);
		}

	}

	/**
	 * The training objective as a local job runs, sent as the {@code loss} event with
	 * each {@code progress} event (at most four a second).
	 *
	 * @param epoch the epoch in progress
	 * @param step minibatches done in all
	 * @param totalSteps minibatches in all
	 * @param negElbo the last minibatch's −ELBO per example (NLL + KL, β = 1), in nats
	 * @param epochMeanNegElbo the mean of this epoch's minibatch −ELBOs so far (what the
	 * epoch's trainNegElbo becomes)
	 */
	public record StepLoss(int epoch, long step, long totalSteps, double negElbo, double epochMeanNegElbo) {
	}

}

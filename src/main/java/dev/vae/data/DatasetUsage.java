package dev.vae.data;

/**
 * Tells whether a queued or running job uses a dataset; a dataset in use cannot be
 * deleted.
 */
@FunctionalInterface
public interface DatasetUsage {

	boolean inUse(String datasetId);

}

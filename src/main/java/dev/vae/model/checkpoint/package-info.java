/**
 * What goes to disk, as zips of JSON and float32 arrays checked by SHA-256:
 * {@link dev.vae.model.checkpoint.Checkpoint} writes and reads format 2 and reads format
 * 1 (converted on load), and {@link dev.vae.model.checkpoint.TrainingCheckpoint} saves a
 * run in progress so that it continues elsewhere as if never stopped.
 */
package dev.vae.model.checkpoint;

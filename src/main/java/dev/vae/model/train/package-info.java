/**
 * Training a network: minibatch Adam ({@link dev.vae.model.train.Trainer}) with its
 * options, a schedule whose random draws depend only on the position in the run, and the
 * replica through which the data-parallel driver spreads a minibatch.
 */
package dev.vae.model.train;

/**
 * The decoder's output heads: how its pre-activations η become p(x|z), with the NLL and
 * its gradient in double precision. A closed set ({@link dev.vae.model.head.DecoderHead})
 * that knows nothing of the network around it, so each head is checked on its own.
 */
package dev.vae.model.head;

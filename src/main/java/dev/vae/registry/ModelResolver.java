package dev.vae.registry;

/**
 * Finds the model a request addresses: the active one for null, else the named version.
 */
@FunctionalInterface
public interface ModelResolver {

	ServedModel resolve(String id);

}

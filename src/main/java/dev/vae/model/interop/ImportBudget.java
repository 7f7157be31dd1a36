package dev.vae.model.interop;

/**
 * Asked by an importer once it knows how many parameters a file's architecture declares,
 * before it allocates any of them: the service answers by reserving the memory the import
 * needs, or by refusing (throwing) when the process cannot give it now.
 */
@FunctionalInterface
public interface ImportBudget {

	/** No budget: every size under the parameter limit is admitted. */
	ImportBudget NONE = (parameters) -> {
	};

	/**
	 * Admits an import of {@code parameters} parameters, or throws a runtime exception
	 * naming why not.
	 */
	void admit(long parameters);

}

package dev.vae;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The numeric core knows nothing of the web, and its parts (layers, heads, network,
 * training, checkpoints, analyses) depend on each other in one direction only.
 */
class ArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.vae");

	@Test
	void modelImportsNothingFromSpringOrTheWeb() {
		noClasses().that()
			.resideInAPackage("dev.vae.model..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "jakarta.servlet..", "io.swagger..", "org.springdoc..",
					"dev.vae.inference..", "dev.vae.registry..", "dev.vae.system..", "dev.vae.training..")
			.check(this.classes);
	}

	@Test
	void theModelsPartsFormNoCycle() {
		slices().matching("dev.vae.model.(*)..").should().beFreeOfCycles().check(this.classes);
	}

	/**
	 * The layers and heads are the floor the network stands on, and the network knows
	 * neither how it is trained, stored, imported nor analysed.
	 */
	@Test
	void layersHeadsAndTheNetworkLookOnlyDownwards() {
		noClasses().that()
			.resideInAnyPackage("dev.vae.model.layer..", "dev.vae.model.head..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.vae.model.network..")
			.check(this.classes);
		noClasses().that()
			.resideInAnyPackage("dev.vae.model.layer..", "dev.vae.model.head..", "dev.vae.model.network..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.vae.model.train..", "dev.vae.model.checkpoint..", "dev.vae.model.analysis..",
					"dev.vae.model.interop..")
			.check(this.classes);
	}

	@Test
	void theDataReadersAreFreeOfSpring() {
		noClasses().that()
			.haveSimpleNameStartingWith("Shapes")
			.or()
			.haveSimpleNameStartingWith("Idx")
			.or()
			.haveSimpleNameStartingWith("Csv")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "dev.vae.inference..", "dev.vae.registry..",
					"dev.vae.training..")
			.check(this.classes);
	}

	@Test
	void systemIsTheGroundFloorAndImportsNoFeature() {
		noClasses().that()
			.resideInAPackage("dev.vae.system..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("dev.vae.inference..", "dev.vae.registry..", "dev.vae.training..", "dev.vae.data..",
					"dev.vae.serving..")
			.check(this.classes);
	}

}

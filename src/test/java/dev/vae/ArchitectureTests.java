package dev.vae;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The numeric core knows nothing of the web. */
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

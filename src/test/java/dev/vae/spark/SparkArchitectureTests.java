package dev.vae.spark;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Spark is a provided dependency, absent from the service's jar, and the job jar has no
 * Spring: only the Spark application may touch Spark, and it must not touch Spring.
 */
class SparkArchitectureTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.vae");

	@Test
	void onlyTheSparkApplicationUsesSpark() {
		noClasses().that()
			.resideOutsideOfPackage("dev.vae.spark..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.apache.spark..", "scala..")
			.check(this.classes);
	}

	@Test
	void theSparkApplicationIsFreeOfSpringAndTheWeb() {
		noClasses().that()
			.resideInAPackage("dev.vae.spark..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("org.springframework..", "jakarta.servlet..", "dev.vae.inference..",
					"dev.vae.registry..", "dev.vae.serving..")
			.check(this.classes);
	}

}

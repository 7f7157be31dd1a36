package dev.vae.explorer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The explorer on a service with an API key that protects inference too: the page, its
 * scripts and the WebJar load without the key, the page says what is missing before any
 * call fails, refuses a wrong key with a message, and works once the right key is
 * entered.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.security.api-keys=explorer-test-key",
				"vae.security.protect-inference=true" })
@EnabledIf(value = "chromiumInstalled",
		disabledReason = "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver): "
				+ "apt-get install chromium chromium-driver (.ci/run installs them)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExplorerApiKeyBrowserTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@LocalServerPort
	int port;

	private Browser browser;

	static boolean chromiumInstalled() {
		return Browser.installed();
	}

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	@BeforeAll
	void start() {
		this.browser = new Browser(1280, 1000);
	}

	@AfterAll
	void stop() {
		if (this.browser != null) {
			this.browser.close();
		}
	}

	@Test
	void thePageAsksForTheKeyAndWorksOnceItIsEntered() {
		HttpFixture http = new HttpFixture(this.port);
		assertThat(http.post("/loss", Map.of("inputs", new double[][] { new double[784] })).status())
			.as("inference without the key")
			.isEqualTo(401);
		assertThat(http.post("/jobs", Map.of("dataset", "d-x")).status()).as("a job without the key").isEqualTo(401);
		for (String file : List.of("/", "/explorer.js", "/explorer.css", "/webjars/chart.js/dist/chart.umd.min.js")) {
			java.net.http.HttpResponse<String> answer = http.raw("GET", file, "");
			assertThat(answer.statusCode()).as(file + " without the key").isEqualTo(200);
			assertThat(answer.body()).as(file).isNotBlank();
		}

		this.browser.open("http://127.0.0.1:" + this.port + "/");
		this.browser.awaitTrue(WAIT, "window.vaeExplorer && window.vaeExplorer.ready");
		assertThat(this.browser.find("auth-message").isDisplayed()).isTrue();
		assertThat(this.browser.find("auth-message").getText())
			.startsWith("This service needs an API key for every model call");
		assertThat(this.browser.find("loss-status").getText()).contains("Enter the API key at the top");
		assertThat(this.browser.js("return Chart.getChart('loss-chart') === undefined;")).isEqualTo(true);
		assertThat(this.browser.find("model-card").getText()).as("GET /model needs no key").contains("default");
		this.browser.screenshot("loss", "explorer-key-needed.png");

		enterKey("not-the-key");
		this.browser.awaitTrue(WAIT, "document.getElementById('auth-message').textContent.includes('not accepted')");
		assertThat(this.browser.js("return Chart.getChart('loss-chart') === undefined;")).isEqualTo(true);

		this.browser.js("window.sameDocument = true;");
		enterKey("explorer-test-key");
		this.browser.awaitTrue(WAIT,
				"document.getElementById('auth-message').textContent.startsWith('API key accepted')");
		this.browser.awaitTrue(WAIT, "Chart.getChart('loss-chart') && vaeExplorer.state.analyses >= 1");
		assertThat(this.browser.find("loss-status").getText()).startsWith("model default, likelihood bernoulli");
		assertThat(this.browser.js("return sessionStorage.getItem('vae-api-key');")).isEqualTo("explorer-test-key");
		assertThat(this.browser.js("return window.sameDocument === true;")).as("the key form does not reload the page")
			.isEqualTo(true);

		// a change of state with the key: a dataset from the training section's button
		this.browser.js("document.querySelector('#training .make-shapes').click();");
		this.browser.awaitTrue(WAIT, "document.getElementById('job-status').textContent.startsWith('Dataset d-')");
		assertThat(this.browser.consoleErrors()).as("errors in the browser console").isEqualTo(List.of());
	}

	private void enterKey(String key) {
		this.browser.find("api-key").clear();
		this.browser.find("api-key").sendKeys(key);
		this.browser.js("document.querySelector('#key-form button[type=submit]').click();");
	}

}

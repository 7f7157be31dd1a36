package dev.vae.explorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The explorer page in a real browser: Debian's headless Chromium against the service on
 * a random port of 127.0.0.1, through the page's own controls. Numbers on the page are
 * compared with direct API calls; screenshots go to {@code target/explorer-screenshots/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.batching.enabled=false" })
@EnabledIf(value = "chromiumInstalled",
		disabledReason = "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver): "
				+ "apt-get install chromium chromium-driver (.ci/run installs them)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExplorerBrowserTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** Bytes of the first load, all requests included: the page's budget. */
	private static final long MAX_FIRST_LOAD_BYTES = 300_000;

	@LocalServerPort
	int port;

	private Browser browser;

	private HttpFixture http;

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
		this.http = new HttpFixture(this.port);
	}

	@AfterAll
	void stop() {
		if (this.browser != null) {
			this.browser.close();
		}
	}

	@AfterEach
	void noConsoleErrors() {
		assertThat(this.browser.consoleErrors()).as("errors in the browser console").isEmpty();
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private void openPage() {
		this.browser.open(url("/"));
		this.browser.awaitTrue(WAIT, "window.vaeExplorer && window.vaeExplorer.ready");
	}

	@Test
	@Order(1)
	void firstLoadIsSmallAndQuick() {
		// the first navigation of a fresh browser process also starts its renderer, and
		// the
		// service's first requests start its dispatcher: measure the next load, with the
		// browser's cache emptied (the service sends no-store anyway)
		openPage();
		System.out.printf("explorer load in a fresh browser process: %s%n", loadFigures());
		this.browser.clearCache();
		openPage();
		Map<String, Object> load = loadFigures();
		System.out.printf(
				"explorer first load: %s bytes transferred (%s decoded) in %s requests; DOM interactive %.0f ms, "
						+ "controls wired (interactive) %.0f ms, load event end %.0f ms, "
						+ "page ready (model card and first /loss drawn) %.0f ms%n",
				load.get("bytes"), load.get("decoded"), load.get("requests"), num(load.get("domInteractive")),
				num(load.get("interactive")), num(load.get("loaded")), num(load.get("ready")));
		assertThat((List<?>) load.get("outside")).as("requests leaving the service").isEmpty();
		assertThat(num(load.get("bytes"))).isPositive().isLessThan(MAX_FIRST_LOAD_BYTES);
		assertThat(num(load.get("interactive"))).as("time to interactive (every control wired), ms").isLessThan(1000);
		assertThat(this.browser.find("model-card").getText()).contains("default").contains("bernoulli");
		assertThat(this.browser.find("auth-message").isDisplayed()).isFalse();
		assertThat(this.browser.find("loss-status").getText()).startsWith("model default, likelihood bernoulli");
		assertThat(this.browser.js("return [...document.querySelectorAll('.error')].filter((e) => !e.hidden)"
				+ ".map((e) => e.id + ': ' + e.textContent);"))
			.as("error messages on the page")
			.isEqualTo(List.of());
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> loadFigures() {
		return (Map<String, Object>) this.browser.js("""
				const nav = performance.getEntriesByType('navigation')[0];
				const resources = performance.getEntriesByType('resource');
				const ready = performance.getEntriesByName('explorer-ready')[0];
				return {
				  bytes: nav.transferSize + resources.reduce((s, r) => s + r.transferSize, 0),
				  decoded: nav.decodedBodySize + resources.reduce((s, r) => s + r.decodedBodySize, 0),
				  requests: 1 + resources.length,
				  outside: resources.filter((r) => !r.name.startsWith(location.origin)).map((r) => r.name),
				  domInteractive: nav.domInteractive, loaded: nav.loadEventEnd, ready: ready.startTime,
				  interactive: performance.getEntriesByName('explorer-interactive')[0].startTime };
				""");
	}

	@Test
	@Order(2)
	void drawingShowsTheLossTermsOfADirectCall() throws Exception {
		openPage();
		this.browser.find("draw-clear").click();
		this.browser.awaitTrue(WAIT, "vaeExplorer.state.input && vaeExplorer.state.input.every((v) => v === 0)");
		long before = count("vaeExplorer.state.analyses");
		WebElement canvas = this.browser.find("draw");
		new Actions(this.browser.driver()).moveToElement(canvas, -50, -60)
			.clickAndHold()
			.moveByOffset(0, 110)
			.moveByOffset(90, 0)
			.moveByOffset(0, -40)
			.release()
			.perform();
		this.browser.awaitTrue(WAIT, "vaeExplorer.state.analyses > " + before);
		double[] input = doubles(this.browser.js("return vaeExplorer.state.input;"));
		double ink = 0;
		for (double v : input) {
			ink += v;
		}
		assertThat(ink).as("ink drawn on the canvas").isGreaterThan(20);

		JsonNode direct = this.http.post("/loss", Map.of("inputs", new double[][] { input })).body();
		JsonNode r = direct.get("results").get(0);
		JsonNode m = r.get("at_mean");
		@SuppressWarnings("unchecked")
		List<String> labels = (List<String>) this.browser.js("return Chart.getChart('loss-chart').data.labels;");
		double[] model = doubles(this.browser.js("return Chart.getChart('loss-chart').data.datasets[0].data;"));
		double[] constant = doubles(this.browser.js("return Chart.getChart('loss-chart').data.datasets[1].data;"));
		assertThat(labels).containsExactly("BCE", "SSE", "MSE", "Gaussian NLL", "cont. Bernoulli NLL", "KL");
		double[] expected = { m.get("bce").asDouble(), m.get("sse").asDouble(), m.get("mse").asDouble(),
				m.get("gaussian_nll").get("sse_over_two_sigma_squared").asDouble(),
				m.get("continuous_bernoulli_nll").get("value").asDouble(), r.get("kl").get("total").asDouble() };
		for (int i = 0; i < expected.length; i++) {
			assertThat(model[i]).as(labels.get(i)).isCloseTo(expected[i], within(1e-9 * (1 + Math.abs(expected[i]))));
		}
		assertThat(constant[3]).isCloseTo(m.get("gaussian_nll").get("constant").asDouble(), within(1e-9));
		assertThat(this.browser.find("loss-table").getText())
			.contains(String.format(java.util.Locale.ROOT, "%.4f", m.get("bce").asDouble()));

		// L = 1000: the Monte Carlo estimate is reported with its (small) standard error
		WebElement slider = this.browser.find("mc-l");
		long analyses = count("vaeExplorer.state.analyses");
		slider.sendKeys(Keys.END);
		this.browser.awaitTrue(WAIT, "vaeExplorer.state.analyses > " + analyses);
		assertThat(this.browser.find("mc-text").getText()).startsWith("L = 1000: E_q[BCE] = ").contains(" ± ");
		assertThat(this.browser.find("iwae-text").getText()).startsWith("k = 10: log p(x) ≥ ");
		this.browser.screenshot("loss", "explorer-loss.png");
	}

	@Test
	@Order(3)
	void aLatentSliderChangesTheDecodedImage() {
		openPage();
		this.browser.js("document.getElementById('latent').scrollIntoView();");
		this.browser.awaitTrue(WAIT, "vaeExplorer.state.decodes >= 1");
		this.browser.awaitTrue(WAIT, "document.getElementById('traverse-img').naturalWidth > 0");
		this.browser.awaitTrue(WAIT, "document.getElementById('sample-img').naturalWidth > 0");
		this.browser.awaitTrue(WAIT, "document.getElementById('interp-img').naturalWidth > 0");
		String before = (String) this.browser.js("return document.getElementById('decoded').toDataURL();");
		long decodes = count("vaeExplorer.state.decodes");
		// dimension 3 turns a triangle into a square in the default model (README,
		// Pictures)
		this.browser.find("z3").sendKeys(Keys.END);
		this.browser.awaitTrue(WAIT, "vaeExplorer.state.decodes > " + decodes);
		String after = (String) this.browser.js("return document.getElementById('decoded').toDataURL();");
		assertThat(this.browser.js("return vaeExplorer.state.z[3];")).isEqualTo(3L);
		assertThat(after).as("the decoded image after moving z3").isNotEqualTo(before);
	}

	@Test
	@Order(4)
	void theScatterOfMuShowsAnExampleWhenAPointIsClicked() {
		openPage();
		JsonNode dataset = this.http.post("/datasets/shapes", Map.of("count", 400, "seed", 5)).body();
		openPage();
		new Select(this.browser.find("embed-dataset")).selectByValue(dataset.get("id").asText());
		this.browser.find("embed-n").clear();
		this.browser.find("embed-n").sendKeys("300");
		this.browser.js("document.querySelector('#embed-form button[type=submit]').click();");
		this.browser.awaitTrue(WAIT, "vaeExplorer.state.embedding");
		this.browser.awaitTrue(WAIT,
				"Chart.getChart('embed-chart') && Chart.getChart('embed-chart').data.datasets.length === 4");
		@SuppressWarnings("unchecked")
		Map<String, Object> point = (Map<String, Object>) this.browser.js("""
				const c = Chart.getChart('embed-chart');
				c.canvas.scrollIntoView({ block: 'center' });
				const p = c.getDatasetMeta(0).data[0];
				const r = c.canvas.getBoundingClientRect();
				return { x: p.x - r.width / 2, y: p.y - r.height / 2, index: c.data.datasets[0].data[0].index };
				""");
		WebElement canvas = this.browser.find("embed-chart");
		new Actions(this.browser.driver())
			.moveToElement(canvas, (int) Math.round(num(point.get("x"))), (int) Math.round(num(point.get("y"))))
			.click()
			.perform();
		try {
			this.browser.awaitTrue(WAIT, "document.getElementById('embed-status').textContent.startsWith('example "
					+ point.get("index") + "')");
		}
		catch (org.openqa.selenium.TimeoutException ex) {
			throw new AssertionError(
					"after clicking " + point + " the status says: " + this.browser.find("embed-status").getText(), ex);
		}
		JsonNode example = this.http.get("/datasets/" + dataset.get("id").asText() + "/examples/" + point.get("index"))
			.body();
		assertThat(this.browser.find("embed-status").getText()).contains("label " + example.get("label").asInt());
		this.browser.screenshot("embedding", "explorer-embedding.png");
		this.browser.screenshot("latent", "explorer-latent.png");
	}

	@Test
	@Order(5)
	void aOneEpochJobStreamsItsCurveAndSucceeds() {
		openPage();
		this.browser.js("document.getElementById('training').scrollIntoView();");
		String datasetsBefore = (String) this.browser.js("return document.getElementById('job-dataset').value;");
		this.browser.js("document.querySelector('#training .make-shapes').click();");
		this.browser.awaitTrue(WAIT, "document.getElementById('job-dataset').value && document.getElementById("
				+ "'job-dataset').value !== '" + datasetsBefore + "'");
		new Select(this.browser.find("job-preset")).selectByValue("small");
		setValue("job-epochs", "1");
		setValue("job-batch", "10");
		this.browser.js("document.getElementById('job-options').open = true;");
		setValue("job-warmup", "1");
		setValue("job-free-bits", "0.1");
		this.browser.find("job-start").click();
		this.browser.awaitTrue(Duration.ofSeconds(180),
				"document.getElementById('job-status').textContent.includes('SUCCEEDED')");
		long live = count("Chart.getChart('job-chart').data.datasets[0].data.length");
		long epochPoints = count("Chart.getChart('job-chart').data.datasets[2].data.length");
		long validation = count("Chart.getChart('job-chart').data.datasets[3].data.length");
		System.out.printf("explorer job: %d live minibatch points, %d epoch points%n", live, epochPoints);
		assertThat(live).as("minibatch −ELBO points received over SSE").isPositive();
		assertThat(epochPoints).isEqualTo(1);
		assertThat(validation).isEqualTo(1);
		String jobId = (String) this.browser.js("return vaeExplorer.state.job.id;");
		JsonNode job = this.http.get("/jobs/" + jobId).body();
		assertThat(job.get("status").asText()).isEqualTo("SUCCEEDED");
		// the options the form set, and none it left empty
		assertThat(job.at("/spec/klWarmup/epochs").asInt()).isEqualTo(1);
		assertThat(job.at("/spec/freeBits").asDouble()).isEqualTo(0.1);
		assertThat(job.at("/spec/earlyStopping").isMissingNode() || job.at("/spec/earlyStopping").isNull()).isTrue();
		assertThat(job.at("/epochs/0/beta").asDouble()).isLessThan(1.0);
		assertThat(num(this.browser.js("return Chart.getChart('job-chart').data.datasets[3].data[0].y;")))
			.isCloseTo(job.get("epochs").get(0).get("validationNegElbo").asDouble(), within(1e-9));
		this.browser.screenshot("training", "explorer-training.png");

		this.browser.find("job-activate").click();
		String model = job.get("model").asText();
		this.browser.awaitTrue(WAIT, "document.getElementById('model-card').textContent.includes('" + model + "')");
		assertThat(this.http.get("/model").body().get("id").asText()).isEqualTo(model);
		this.browser.awaitTrue(WAIT, "document.querySelectorAll('#sliders input').length === 8");
	}

	@Test
	@Order(6)
	void aJobIsPausedAndResumedFromThePage() {
		openPage();
		this.browser.js("document.getElementById('training').scrollIntoView();");
		this.browser.awaitTrue(WAIT, "document.getElementById('job-dataset').value");
		new Select(this.browser.find("job-preset")).selectByValue("small");
		setValue("job-epochs", "200");
		setValue("job-batch", "10");
		this.browser.find("job-start").click();
		this.browser.awaitTrue(WAIT, "document.getElementById('job-status').textContent.includes('step')");
		this.browser.find("job-pause").click();
		this.browser.awaitTrue(WAIT, "document.getElementById('job-status').textContent.includes('PAUSED')"
				+ " && document.getElementById('job-pause').textContent === 'Resume'");
		String jobId = (String) this.browser.js("return vaeExplorer.state.job.id;");
		JsonNode paused = this.http.get("/jobs/" + jobId).body();
		assertThat(paused.get("status").asText()).isEqualTo("PAUSED");
		assertThat((String) this.browser.js("return document.getElementById('job-status').textContent;"))
			.contains("at epoch " + paused.at("/checkpoint/epoch").asInt() + " / step "
					+ paused.at("/checkpoint/step").asLong());
		this.browser.find("job-pause").click();
		this.browser.awaitTrue(WAIT, "document.getElementById('job-status').textContent.includes('resumed from epoch "
				+ paused.at("/checkpoint/epoch").asInt() + " / step " + paused.at("/checkpoint/step").asLong() + "')");
		this.browser.find("job-cancel").click();
		this.browser.awaitTrue(WAIT, "document.getElementById('job-status').textContent.includes('CANCELLED')");
		assertThat(this.http.get("/jobs/" + jobId).body().get("status").asText()).isEqualTo("CANCELLED");
	}

	@Test
	@Order(7)
	void fitsAPhoneWidth() throws Exception {
		this.browser.driver().manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
		openPage();
		long overflow = count("document.documentElement.scrollWidth - window.innerWidth");
		assertThat(overflow).as("horizontal overflow at 390 px, px").isLessThanOrEqualTo(0);
		Files.createDirectories(Browser.SCREENSHOTS);
		this.browser.screenshot("loss", "explorer-phone.png");
	}

	private void setValue(String id, String value) {
		WebElement input = this.browser.find(id);
		input.clear();
		input.sendKeys(value);
	}

	private long count(String expression) {
		return ((Number) this.browser.js("return " + expression + ";")).longValue();
	}

	private static double num(Object value) {
		return ((Number) value).doubleValue();
	}

	private static double[] doubles(Object list) {
		List<?> values = (List<?>) list;
		double[] out = new double[values.size()];
		for (int i = 0; i < out.length; i++) {
			out[i] = ((Number) values.get(i)).doubleValue();
		}
		return out;
	}

}

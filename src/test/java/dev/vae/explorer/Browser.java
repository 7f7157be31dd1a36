package dev.vae.explorer;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through its own chromedriver (no driver download:
 * both binaries come from the apt packages {@code chromium} and {@code chromium-driver},
 * which {@code .ci/run} installs). Keeps every console message it reads, so a test can
 * assert that none was an error.
 */
final class Browser implements AutoCloseable {

	/** Debian's chromium; {@code -Dexplorer.chromium=…} points elsewhere. */
	static final Path CHROMIUM = Path.of(System.getProperty("explorer.chromium", "/usr/bin/chromium"));

	/** Debian's chromium-driver; {@code -Dexplorer.chromedriver=…} points elsewhere. */
	static final Path CHROMEDRIVER = Path.of(System.getProperty("explorer.chromedriver", "/usr/bin/chromedriver"));

	static final Path SCREENSHOTS = Path.of("target", "explorer-screenshots");

	private final ChromeDriver driver;

	private final List<LogEntry> console = new ArrayList<>();

	/** What {@code @EnabledIf} asks: both binaries are installed. */
	static boolean installed() {
		return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
	}

	Browser(int width, int height) {
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
				"--window-size=" + width + "," + height, "--no-first-run", "--disable-extensions");
		LoggingPreferences logs = new LoggingPreferences();
		logs.enable(LogType.BROWSER, Level.ALL);
		options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(new File(CHROMEDRIVER.toString()))
			.usingAnyFreePort()
			.build();
		this.driver = new ChromeDriver(service, options);
	}

	WebDriver driver() {
		return this.driver;
	}

	void open(String url) {
		this.driver.get(url);
	}

	/**
	 * Empties the browser's HTTP cache (a Chrome DevTools command, through chromedriver).
	 */
	void clearCache() {
		this.driver.executeCdpCommand("Network.clearBrowserCache", java.util.Map.of());
	}

	Object js(String script, Object... args) {
		return ((JavascriptExecutor) this.driver).executeScript(script, args);
	}

	WebElement find(String id) {
		return this.driver.findElement(By.id(id));
	}

	<T> T await(Duration timeout, String what, Function<WebDriver, T> condition) {
		return new WebDriverWait(this.driver, timeout).withMessage(what).until(condition);
	}

	/** Waits for a JavaScript expression to be true. */
	void awaitTrue(Duration timeout, String expression) {
		await(timeout, expression, (d) -> Boolean.TRUE.equals(js("return !!(" + expression + ");")) ? true : null);
	}

	/** The console messages since the browser started (errors, warnings, logs). */
	List<LogEntry> console() {
		this.console.addAll(this.driver.manage().logs().get(LogType.BROWSER).getAll());
		return List.copyOf(this.console);
	}

	List<String> consoleErrors() {
		return console().stream()
			.filter((e) -> e.getLevel().intValue() >= Level.SEVERE.intValue())
			.map(LogEntry::getMessage)
			.toList();
	}

	/** A screenshot of one element, saved as {@code target/explorer-screenshots/name}. */
	Path screenshot(String elementId, String name) {
		try {
			Files.createDirectories(SCREENSHOTS);
			Path file = SCREENSHOTS.resolve(name);
			js("arguments[0].scrollIntoView({block: 'start'});", find(elementId));
			Files.write(file, find(elementId).getScreenshotAs(OutputType.BYTES));
			return file;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		this.driver.quit();
	}

}

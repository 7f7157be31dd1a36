package dev.vae.system;

import org.apache.catalina.Container;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Valve;
import org.apache.catalina.valves.ErrorReportValve;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Puts {@link ProblemErrorReportValve} in place of Tomcat's HTML error report, so that
 * errors Tomcat answers itself are problem documents too.
 */
@Configuration(proxyBeanMethods = false)
class TomcatConfiguration {

	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
		return (factory) -> factory.addContextCustomizers((context) -> context.addLifecycleListener((event) -> {
			// the host has added its error report valve by the time its contexts start
			if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
				replaceErrorReport(context.getParent());
			}
		}));
	}

	private static void replaceErrorReport(Container host) {
		for (Valve valve : host.getPipeline().getValves()) {
			if (valve instanceof ProblemErrorReportValve) {
				return;
			}
			if (valve instanceof ErrorReportValve) {
				host.getPipeline().removeValve(valve);
			}
		}
		host.getPipeline().addValve(new ProblemErrorReportValve());
	}

}

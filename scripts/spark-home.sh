#!/usr/bin/env bash
# Makes a SPARK_HOME from the Maven jars, for a standalone master and workers (Spark's distribution is
# not needed): DIR/jars holds spark-core with its dependencies as this build resolves them, a logback.xml at
# INFO, and DIR/RELEASE is the empty marker the worker looks for. Does nothing when DIR/RELEASE exists.
#
#   scripts/spark-home.sh target/spark-home
set -euo pipefail
ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$ROOT"
SPARK_HOME_DIR="$1"
log() { printf '[spark-home] %s\n' "$*" >&2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
[[ -f "$SPARK_HOME_DIR/RELEASE" ]] && exit 0
log "copying Spark's jars into $SPARK_HOME_DIR/jars"
rm -rf "$SPARK_HOME_DIR"
# Spark (provided) and the run-time jars it shares with the service, not the service's web stack or the
# model core (those are in the job jar)
./mvnw -B -q dependency:copy-dependencies -DincludeScope=provided -DoutputDirectory="$SPARK_HOME_DIR/jars"
./mvnw -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$SPARK_HOME_DIR/jars" \
	-DexcludeArtifactIds=log4j-to-slf4j \
	-DexcludeGroupIds=org.springframework,org.springframework.boot,org.springframework.security,org.springdoc,org.nd4j,org.deeplearning4j,org.bytedeco,org.flywaydb,io.micrometer,org.apache.tomcat.embed,com.h2database,org.postgresql,io.swagger.core.v3,org.webjars,org.hibernate.validator
# Spark logs through SLF4J to logback here: INFO to stderr (logback's default is DEBUG)
mkdir -p "$WORK/logconf"
cat >"$WORK/logconf/logback.xml" <<'XML'
<configuration>
  <appender name="ERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="ERR"/></root>
</configuration>
XML
jar cf "$SPARK_HOME_DIR/jars/zz-logging-conf.jar" -C "$WORK/logconf" logback.xml
touch "$SPARK_HOME_DIR/RELEASE"

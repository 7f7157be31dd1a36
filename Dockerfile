# vae-service container image.
#
# Default (users with a registry): compiles the jar inside the Maven image.
#   docker build -t vae-service .
# With a jar already built on the host (./mvnw -B -DskipTests package), e.g. without registry
# access for Maven:
#   docker build --build-arg JAR_STAGE=prebuilt -t vae-service .

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG BASE_IMAGE=eclipse-temurin:17-jre
# build: compile inside BUILD_IMAGE; prebuilt: take target/vae-service.jar from the build context
ARG JAR_STAGE=build

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml mvnw ./
COPY .mvn ./.mvn
COPY src ./src
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests package

FROM scratch AS prebuilt
COPY target/vae-service.jar /src/target/vae-service.jar

FROM ${JAR_STAGE} AS jar

FROM ${BASE_IMAGE}

# Unprivileged runtime user (fixed uid/gid 10001 so volume ownership is predictable).
# curl is used by the HEALTHCHECK; install it only if the base image lacks it.
RUN set -eux; \
    groupadd --gid 10001 vae; \
    useradd --uid 10001 --gid 10001 --no-log-init --create-home --home-dir /home/vae \
        --shell /usr/sbin/nologin vae; \
    if ! command -v curl >/dev/null 2>&1; then \
        apt-get update; \
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates; \
        rm -rf /var/lib/apt/lists/*; \
    fi; \
    mkdir -p /data; \
    chown vae:vae /data

WORKDIR /app
COPY --from=jar /src/target/vae-service.jar /app/app.jar

# One OpenMP thread per ND4J/OpenBLAS op: fastest on the 2-core machines measured (concurrent
# requests already keep the cores busy; fork/join costs more than it saves on small matrices).
ENV OMP_NUM_THREADS=1
# models, datasets and the H2 database live on the /data volume
ENV VAE_STORAGE_DIR=/data
# JavaCPP unpacks the native libraries (~400 MB) into the cache dir on first start.
# Parallel GC and a bounded heap: same throughput as G1 here with half the resident memory (bench/RESULTS.md)
ENV JAVA_TOOL_OPTIONS="-XX:+UseParallelGC -Xmx768m -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp"

VOLUME ["/data"]
EXPOSE 8080

# Follows SERVER_PORT when the port is overridden at run time (default 8080). Liveness, not
# readiness: a replica that is still loading a newly activated model is alive, only not ready.
HEALTHCHECK --interval=10s --timeout=5s --start-period=90s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${SERVER_PORT:-8080}/actuator/health/liveness" || exit 1

USER vae
ENTRYPOINT ["java", "-jar", "/app/app.jar"]

# Multi-stage build: a static binary on a distroless base, run as an unprivileged user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t marketplace_exporter .
#   docker run -p 10073:10073 -e MARKETPLACE_USER=you@example.com \
#     -e MARKETPLACE_API_TOKEN=... marketplace_exporter --marketplace.vendor-id=12345
#
# Prefer a mounted token file over the environment variable where you can:
#   -v /path/to/token:/run/secrets/marketplace_token:ro ... --marketplace.token-file=/run/secrets/marketplace_token

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION} -X github.com/prometheus/common/version.Revision=${REVISION}" \
      -o /out/marketplace_exporter . \
 && /out/marketplace_exporter --version

# distroless/static has the CA certificates the HTTPS calls to Atlassian need, and nothing
# else: no shell, no package manager. Its nonroot user is uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/marketplace_exporter /bin/marketplace_exporter
USER 65532:65532
EXPOSE 10073
# No HEALTHCHECK: the image has no shell or curl. Point the orchestrator's probes at
# /-/healthy (liveness) and /-/ready (readiness) instead.
ENTRYPOINT ["/bin/marketplace_exporter"]

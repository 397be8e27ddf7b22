# Build: docker build --build-arg VERSION=$(git describe --tags --always --dirty) --build-arg COMMIT=$(git rev-parse --short HEAD) --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t modelslab-agents-mcp .
# Run:   docker run -p 127.0.0.1:8080:8080 -e MODELSLAB_SANDBOX=1 modelslab-agents-mcp
# Another port: -e MODELSLAB_ADDR=0.0.0.0:9000 (the health check reads the same variable).
# Reached by a name other than localhost, allow it: -e MODELSLAB_ALLOWED_HOSTS=mcp.example.com
# (browser clients: -e MODELSLAB_ALLOWED_ORIGINS=https://app.example.com).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
ARG DATE=unknown
# .ci/run runs this exact line and checks that the binary is static; .goreleaser.yaml
# stamps the same three variables.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" -o /out/modelslab-agents-mcp ./cmd/modelslab-agents-mcp

# No shell, no libc: the binary is static and HEALTHCHECK uses its own subcommand.
FROM gcr.io/distroless/static-debian12:nonroot
# The MCP Registry checks this label against server.json's name before it lists the image.
LABEL io.modelcontextprotocol.server.name="io.github.modelslab-agents-mcp/modelslab-agents-mcp" \
      org.opencontainers.image.source="https://github.com/modelslab-agents-mcp/modelslab-agents-mcp" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /out/modelslab-agents-mcp /modelslab-agents-mcp
USER nonroot:nonroot
# The listen address is set once, in the environment, where both the server and
# its health check read it: `-e MODELSLAB_ADDR=0.0.0.0:9000` moves both.
ENV MODELSLAB_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/modelslab-agents-mcp", "healthcheck"]
ENTRYPOINT ["/modelslab-agents-mcp"]
CMD ["http"]

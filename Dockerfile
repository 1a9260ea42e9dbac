# syntax=docker/dockerfile:1
# The mxcp server image. Build from the repository root:
#   docker build -t mxcp .
# Run with a project mounted at /app (the DuckDB file and audit folder writable, or --readonly):
#   docker run -p 8000:8000 -v "$PWD:/app" mxcp
# See deploy/README.md for compose, systemd and Kubernetes.

# Build stage: the SDK publishes mxcp (framework-dependent) with its plugins into /opt/mxcp.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json nuget.config Directory.Build.props Directory.Build.targets Directory.Packages.props LICENSE ./
COPY src/ src/
RUN dotnet publish src/Mxcp.Cli/Mxcp.Cli.csproj -c Release -o /opt/mxcp --nologo

# Runtime stage: the ASP.NET Core runtime, python3 for Python endpoints, curl for the health check.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 mxcp \
    && useradd --system --uid 10001 --gid mxcp --home-dir /app --shell /usr/sbin/nologin mxcp \
    && mkdir -p /app /run/mxcp \
    && chown mxcp:mxcp /app /run/mxcp
COPY --from=build /opt/mxcp /opt/mxcp
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
VOLUME ["/run/mxcp"]
USER mxcp
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
    CMD curl -f http://localhost:8000/health || exit 1
ENTRYPOINT ["/opt/mxcp/mxcp"]
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]

# complaint-events: one image for every process of the application (topics,
# worker, api, channel adapters); docker-compose.yml picks the command.
#
#   docker build -t complaint-events .
#   docker run --rm complaint-events --help
#
# The entrypoint is the `complaint-events` command line; configuration comes
# from COMPLAINTS_* environment variables (docs/configuration.md).

# ---------------------------------------------------------------- build --
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
# What the wheel needs: pyproject.toml (hatchling), README.md (the package's
# readme), the pinned versions, and the four packages it ships.
COPY pyproject.toml README.md constraints.txt ./
COPY src ./src
COPY consumers ./consumers
COPY projections ./projections
COPY analytics ./analytics
RUN pip install -c constraints.txt . \
    && complaint-events --help > /dev/null

# -------------------------------------------------------------- runtime --
FROM python:3.11-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/tmp/matplotlib \
    COMPLAINTS_WORKER_DATA_DIR=/var/lib/complaint-events/worker

# A fixed, non-root user; its data directories exist in the image so that a
# named volume mounted on them starts out owned by it.
RUN groupadd --system --gid 10001 complaints \
    && useradd --system --uid 10001 --gid complaints --no-create-home \
        --home-dir /var/lib/complaint-events --shell /usr/sbin/nologin complaints \
    && mkdir -p /var/lib/complaint-events/worker /var/lib/complaint-events/channels \
        /var/lib/complaint-events/reports /var/lib/complaint-events/secrets \
    && chown -R complaints:complaints /var/lib/complaint-events

COPY --from=build /opt/venv /opt/venv

USER complaints:complaints
WORKDIR /var/lib/complaint-events

EXPOSE 8080
ENTRYPOINT ["complaint-events"]
CMD ["--help"]

# Kabar's server in a container: `kabar serve` on port 7860, the model in the /models volume, the caches and the
# translation memory in the /data volume. The image is built from the same lock file as the README's set-up.
#
#   docker build -t kabar .
#   docker run -p 7860:7860 -v /srv/models/opus-mt-id-en:/models/opus-mt-id-en:ro -v kabar-data:/data kabar
#
# README.md, "Running it as a service", has the reverse proxy, keys, limits and the Prometheus scrape.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False \
    KABAR_MODEL=/models/opus-mt-id-en \
    KABAR_CACHE=/data/cache \
    HF_HOME=/data/huggingface

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
COPY news ./news
COPY translate ./translate
COPY summarize ./summarize
COPY eval ./eval
COPY kabar ./kabar
COPY ui ./ui
# torch from PyTorch's CPU index, at the lock's version: PyPI's Linux wheel pulls several GB of CUDA. Then Kabar
# and its dependencies at the lock's exact versions (the lock is a constraint file: only what Kabar needs is installed).
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0+cpu" \
    && pip install --no-cache-dir --constraint requirements.lock . \
    && groupadd --gid 10001 kabar \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin kabar \
    && mkdir -p /models /data \
    && chown 10001:10001 /data

# not root: the user kabar (10001)
USER 10001:10001
VOLUME ["/models", "/data"]
EXPOSE 7860
# liveness: /health answers while the model loads too; a load balancer should ask /ready instead
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:7860/health', timeout=4).status != 200)"]
ENTRYPOINT ["kabar", "serve", "--host", "0.0.0.0", "--port", "7860"]
CMD ["--log-format", "json", "--log-level", "info"]

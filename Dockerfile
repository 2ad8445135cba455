# One image for the server and the (simulated) edges; a Pi installs ./protocol ./edge only.
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzbar0 libgl1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY protocol ./protocol
COPY edge ./edge
COPY server ./server
COPY firmware_sim ./firmware_sim
RUN pip install --no-cache-dir ./protocol ./edge ./server ./firmware_sim
RUN useradd --system --home /data officegate && mkdir -p /data && chown officegate /data
USER officegate
ENV OFFICEGATE_DATA_DIR=/data
EXPOSE 8000
CMD ["officegate", "server", "--host", "0.0.0.0", "--port", "8000"]

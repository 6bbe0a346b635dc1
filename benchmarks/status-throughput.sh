#!/usr/bin/env bash
# Status endpoint throughput (issue 6): wrk against GET /status of the packaged reconciler, on loopback,
# on the same machine. The reconciler runs the embedded demo with no images (three partitions, no QEMU
# load), with the JVM options and AOT cache it ships with.
# Usage: benchmarks/status-throughput.sh JAVA   (after `make build`; needs Debian's wrk)
set -euo pipefail
java=$1
cd "$(dirname "$0")/.."
app=$(readlink -f reconciler/target/quarkus-app)
work=$(mktemp -d)
chmod 0711 "$work"	# the workers' own accounts (isolation user) pass through to the state dir
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CELADON_STATE_DIR="$work/state" CELADON_IMAGES_DIRS="$work/no-images" QUARKUS_HTTP_HOST=127.0.0.1 \
QUARKUS_HTTP_PORT=$port "$java" @appliance/jvm.options -XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching \
	-XX:-AOTStubCaching -XX:AOTCache="$app/app.aot" -jar "$app/quarkus-run.jar" \
	>"$work/reconciler.log" 2>&1 &
pid=$!
trap 'kill $pid; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
# Measure the full document: wait until the first pass has published the demo partitions.
until curl -sf "http://127.0.0.1:$port/status" 2>/dev/null | grep -q demo-worker; do sleep 0.1; done
echo "GET /status: $(curl -s "http://127.0.0.1:$port/status" | wc -c) bytes"
wrk -t2 -c32 -d10s "http://127.0.0.1:$port/status" >/dev/null   # warm-up
wrk -t2 -c32 -d30s --latency "http://127.0.0.1:$port/status"

#!/bin/bash
# Makes APP/app.aot, the JDK AOT cache (JEP 483/514/515: classes loaded and linked, method
# profiles) of the reconciler, by a training run on the runtime JRE and the jars in APP that the
# appliance runs. The cache is only used when the JVM, the jars and their sizes and mtimes match,
# so the caller sets mtimes before; the JVM checks the rest and ignores a stale cache.
# The cache holds no machine code (-AOTAdapterCaching, -AOTStubCaching): JDK 25 does not check
# that code against the CPU it runs on, and code made for the build machine's AVX2 dies with
# SIGILL on a CPU without it (QEMU's default TCG CPU). The classes and profiles are portable.
#
# Usage: train-aot.sh JRE APP WORK
#
# The run: the reconciler follows a throwaway Git repository (one Stopped partition: planned,
# never started), serves /status, /, health and metrics, and is stopped with SIGTERM; the JVM
# writes the cache as it exits.
set -euo pipefail
JRE=${1:?usage: train-aot.sh JRE APP WORK}
APP=${2:?}
WORK=${3:?}
mkdir -p "$WORK/repo/partitions.d" "$WORK/state" "$WORK/images"
cat >"$WORK/repo/partitions.d/train.yaml" <<'EOF'
apiVersion: celadon.dev/v1alpha1
kind: Partition
metadata:
  name: train
spec:
  runState: Stopped
  cpus: 1
  memory: 128Mi
  boot:
    kernel: tiny/vmlinuz
    initrd: tiny/initrd.img
EOF
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" -c user.name=celadon -c user.email=celadon@localhost commit -qm train

log=$WORK/train.log
CELADON_GIT_URL=file://$WORK/repo CELADON_STATE_DIR=$WORK/state CELADON_IMAGES_DIRS=$WORK/images \
	CELADON_HYPERVISOR_ACCEL=tcg QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=0 HOME=$WORK \
	"$JRE/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
	-XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching -XX:-AOTStubCaching -XX:AOTCacheOutput="$APP/app.aot" \
	-jar "$APP/quarkus-run.jar" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

fail() { echo "train-aot: $*; the log:" >&2; cat "$log" >&2; exit 1; }
port=
for _ in $(seq 600); do	# 60 s
	kill -0 "$pid" 2>/dev/null || fail "the reconciler exited"
	port=$(sed -n 's|.*Listening on: http://127.0.0.1:\([0-9]*\).*|\1|p' "$log")
	[ -z "$port" ] || break
	sleep 0.1
done
[ -n "$port" ] || fail "the reconciler did not listen within 60 s"
for _ in $(seq 300); do	# the first sync: /status shows the revision
	curl -sf "http://127.0.0.1:$port/status" | grep -q '"revision":"[0-9a-f]' && break
	sleep 0.1
done
for path in /status /status/partitions/train / /q/health/ready /q/metrics; do
	curl -sf -o /dev/null "http://127.0.0.1:$port$path" || fail "GET $path failed"
done
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
[ -s "$APP/app.aot" ] || fail "no AOT cache was written"

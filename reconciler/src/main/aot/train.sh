#!/usr/bin/env bash
# Builds the JDK AOT cache (JEP 483/514/515) of the packaged reconciler: one training run that starts
# it on the embedded demo repository, syncs, plans and serves status, then stops it; the JVM writes
# the cache at exit. Run it with the JVM options and the application path used in production: the
# cache records both, and a JVM that finds them different ignores the cache (it never fails to start).
# The cache holds no machine code (-AOTAdapterCaching, -AOTStubCaching): JDK 25 does not check that
# code against the CPU it runs on, and code made for one CPU's AVX2 dies with SIGILL on a CPU without
# it (QEMU's default TCG CPU, a migrated VM). Loaded classes are portable.
# Nor does it hold method profiles (-AOTRecordTraining; appliance/jvm.options turns replay off): the
# reconciler runs C1 only, which never reads them, and replaying them at start had the JIT compile the
# training's hot methods while the reconciler was starting, on one of the two cores.
# Signed jars (JGit's) lose their signatures first: the JDK leaves the classes of a signed jar out of the
# cache, and verified every one of them at each start (start to live 647 → 582 ms). Nothing here checks
# signers: Maven verified the jars' checksums when it downloaded them.
# The runs that use the cache pass the same three flags (Makefile `run`, appliance/celadon-run).
# Used by `make build` for this host and by image-builder/build-appliance.sh (AOT_CACHE=1) for the image.
# Usage: train.sh JAVA APP_DIR JVM_OPTIONS_FILE
set -euo pipefail
java=$1 app=$(readlink -f "$2") options=$(readlink -f "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# mktemp's 0700 would keep the workers' own accounts (celadon.hypervisor.isolation=user) out of the state dir
# below it, and the reconciler refuses such a state dir at start.
chmod 0711 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

rm -f "$app/app.aot"
# Signed jars lose their signatures and the per-file digests of their manifest, which only the signature
# used (the JDK reads every jar's whole manifest at start; JGit's is 224 KB). Fixed time and no extra
# fields for the new manifest: the same jar every build.
digests_only() {	# true when the sections after the main one hold nothing but per-file digests
	awk 'main && /^Name: / { named = 1 }
		main && !/^\r?$/ && !/^Name: / && !/-Digest: / && !/^ / { other = 1; exit }
		/^\r?$/ { main = 1 }
		END { exit other || !named }' "$1"
}
for jar in "$app"/lib/*/*.jar; do
	signature=$(unzip -Z1 "$jar" | grep -E '^META-INF/[^/]+\.(SF|RSA|DSA|EC)$' || true)
	[ -z "$signature" ] || zip -qd "$jar" $signature
	unzip -p "$jar" META-INF/MANIFEST.MF >"$work/manifest.mf" 2>/dev/null || continue
	if digests_only "$work/manifest.mf"; then
		mkdir -p "$work/main/META-INF"
		sed '/^\r\{0,1\}$/q' "$work/manifest.mf" >"$work/main/META-INF/MANIFEST.MF"
		touch -d '2000-01-01 00:00:00 UTC' "$work/main/META-INF/MANIFEST.MF"
		(cd "$work/main" && TZ=UTC zip -qX "$jar" META-INF/MANIFEST.MF)
	fi
done
# No images: the demo partitions fail to start at once, which still exercises parse, plan, apply and status.
CELADON_STATE_DIR="$work/state" CELADON_IMAGES_DIRS="$work/no-images" QUARKUS_HTTP_HOST=127.0.0.1 \
QUARKUS_HTTP_PORT=$port "$java" "@$options" -XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching \
	-XX:-AOTStubCaching -XX:-AOTRecordTraining -XX:AOTCacheOutput="$app/app.aot" -jar "$app/quarkus-run.jar" \
	>"$work/training.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
	curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null && break
	kill -0 $pid 2>/dev/null || { cat "$work/training.log" >&2; exit 1; }
	sleep 0.1
done
for _ in $(seq 200); do
	for path in /status /status/partitions/demo-web / /q/health/live /q/metrics; do
		curl -s -o /dev/null "http://127.0.0.1:$port$path"
	done
done
kill -TERM $pid
wait $pid || true
test -s "$app/app.aot" || { cat "$work/training.log" >&2; echo "train.sh: no AOT cache written" >&2; exit 1; }
echo "train.sh: $(du -h "$app/app.aot" | cut -f1) AOT cache in $app/app.aot"

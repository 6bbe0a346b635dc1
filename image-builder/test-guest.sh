#!/bin/bash
# Proof for the tiny guest: two clean builds are byte-for-byte identical, a third run is a
# no-op, and the guest boots under TCG and keeps its contract (guest-check.py): the agent on
# q35, the ACPI power button on q35 and on pc (legacy profile).
# Usage: test-guest.sh   (needs what build-guest.sh needs, plus python3)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

bash "$HERE/build-guest.sh" "$TMP/a"
bash "$HERE/build-guest.sh" "$TMP/b"
(cd "$TMP/a/tiny" && sha256sum MANIFEST vmlinuz initrd.img base.qcow2) >"$TMP/a.sha256"
(cd "$TMP/b/tiny" && sha256sum MANIFEST vmlinuz initrd.img base.qcow2) >"$TMP/b.sha256"
if ! cmp -s "$TMP/a.sha256" "$TMP/b.sha256"; then
	echo "FAIL: two builds differ" >&2
	diff "$TMP/a.sha256" "$TMP/b.sha256" >&2
	exit 1
fi
echo "reproducible:"
sed 's/^/  /' "$TMP/a.sha256"

bash "$HERE/build-guest.sh" "$TMP/a" | grep -q 'is up to date' || { echo "FAIL: rebuilt an up-to-date guest" >&2; exit 1; }
echo "up-to-date build skipped"

python3 "$HERE/guest-check.py" "$TMP/a/tiny" agent q35
python3 "$HERE/guest-check.py" "$TMP/a/tiny" acpi q35
python3 "$HERE/guest-check.py" "$TMP/a/tiny" acpi pc
echo "PASS"

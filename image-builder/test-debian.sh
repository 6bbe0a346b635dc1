#!/bin/bash
# Proof for the Debian guest (build-debian.sh): boots OUT/debian/debian-12.qcow2 through a qcow2
# overlay (the built image is never written) under TCG with OVMF, the agent channel as Celadon
# gives it, a NoCloud seed and a user-mode NIC forwarding a host port to 22, then checks:
#  - qemu-guest-agent answers guest-sync/guest-ping; guest-get-host-name is the seed's hostname;
#  - an SSH login with the seed's key reads the file the seed's runcmd wrote; password logins are
#    refused; the root file system grew to the (bigger) overlay's size; root has no password;
#  - the serial console shows the kernel's boot messages (console=ttyS0) and GRUB ran (shim →
#    GRUB → kernel from the ESP, no -kernel);
#  - guest-shutdown powers it off; the built image's sha256 is unchanged.
# Prints the times: QEMU start → first agent answer, → SSH login, → runcmd's file.
# Usage: [SECURE_BOOT=1] test-debian.sh [OUT]   (default image-builder/target/images; needs qemu-system-x86,
# ovmf, dosfstools, mtools, socat, openssh-client)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/target/images}
IMAGE=$OUT/debian/debian-12.qcow2
TIMEOUT=${DEBIAN_BOOT_TIMEOUT:-600}	# seconds; TCG on a busy 2-core host is slow
# SECURE_BOOT=1: OVMF with Secure Boot enforced and Microsoft's keys enrolled (shim is signed by
# Microsoft's UEFI CA), which needs SMM and a secure flash; the guest must then report Secure Boot on.
SECURE_BOOT=${SECURE_BOOT:-0}
if [ "$SECURE_BOOT" = 1 ]; then
	OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
	OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
	MACHINE=(-machine q35,accel=tcg,smm=on -global driver=cfi.pflash01,property=secure,value=on)
else
	OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
	OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
	MACHINE=(-machine q35,accel=tcg)
fi
HOSTNAME=deb-test
[ -f "$IMAGE" ] || { echo "no $IMAGE: make guest-debian" >&2; exit 1; }
TMP=$(mktemp -d)
qemu_pid=
agent_pid=
cleanup() {
	[ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
	[ ! -f "$TMP/console.log" ] || cp "$TMP/console.log" "$HERE/target/test-debian-console.log"
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid"; wait "$qemu_pid" || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	echo "--- console (last 40 lines) ---" >&2
	tail -n 40 "$TMP/console.log" >&2 || true
	exit 1
}
(cd "$OUT/debian" && sha256sum -c --quiet debian-12.qcow2.sha256) || fail "the built image does not match its .sha256"

# --- The NoCloud seed: vfat labelled CIDATA with user-data and meta-data. ---
ssh-keygen -q -t ed25519 -N '' -C test-debian -f "$TMP/key"
cat >"$TMP/user-data" <<EOF
#cloud-config
users:
  - name: celadon
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    ssh_authorized_keys:
      - $(cat "$TMP/key.pub")
runcmd:
  - [ sh, -c, 'echo "runcmd ran on \$(hostname)" > /var/tmp/celadon-runcmd' ]
EOF
printf 'instance-id: test-debian-1\nlocal-hostname: %s\n' "$HOSTNAME" >"$TMP/meta-data"
truncate -s 2M "$TMP/seed.img"
mkfs.vfat -n CIDATA "$TMP/seed.img" >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -i "$TMP/seed.img" "$TMP/user-data" "$TMP/meta-data" ::

# --- The disk: an overlay bigger than the image (the root must grow to it). ---
qemu-img create -q -f qcow2 -F qcow2 -b "$IMAGE" "$TMP/disk.qcow2" 4G
cp "$OVMF_VARS" "$TMP/vars.fd"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

echo "host load before boot: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
elapsed() { awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { printf "%.1f", n - s }'; }
qemu-system-x86_64 "${MACHINE[@]}" -cpu max -smp 1 -m 1024 -nodefaults -display none \
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
	-drive "if=pflash,format=raw,unit=1,file=$TMP/vars.fd" \
	-blockdev "driver=file,filename=$TMP/disk.qcow2,node-name=file-root" \
	-blockdev driver=qcow2,file=file-root,node-name=drive-root \
	-device virtio-blk-pci,drive=drive-root,id=disk-root,bootindex=1 \
	-blockdev "driver=file,filename=$TMP/seed.img,node-name=file-seed,read-only=on" \
	-blockdev driver=raw,file=file-seed,node-name=drive-seed,read-only=on \
	-device virtio-blk-pci,drive=drive-seed,id=disk-seed \
	-netdev "user,id=hostnet-eth0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
	-device virtio-net-pci,netdev=hostnet-eth0,id=net-eth0 \
	-chardev "socket,id=charagent,path=$TMP/agent.sock,server=on,wait=off" \
	-device virtio-serial-pci,id=vserial0 \
	-device virtserialport,bus=vserial0.0,nr=1,chardev=charagent,id=agent0,name=org.qemu.guest_agent.0 \
	-device virtio-balloon-pci,id=balloon0 -device pvpanic,id=panic0 \
	-serial "file:$TMP/console.log" &
qemu_pid=$!

# One agent connection for the whole boot, as a coprocess. Not a connection per request: qemu-ga 7.2
# (bookworm) spins at 100% CPU while no one is connected to the host side of its port, which starves
# a 1-vCPU guest under TCG (measured: 20 s of CPU in 20 s disconnected, none connected).
until [ -S "$TMP/agent.sock" ]; do kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited"; sleep 0.2; done
coproc AGENT { exec socat - "UNIX-CONNECT:$TMP/agent.sock" 2>/dev/null; }
agent_pid=$AGENT_PID
# agent COMMAND-JSON: a guest-sync with a fresh id, then the request; sets $reply to the answer that
# follows the sync's (empty after 15 s of silence). Requests sent before qemu-ga ran are answered
# late: their lines are skipped. (Not called in $(...): the id counter must survive the call.)
sync_id=0
agent() {
	local line
	reply=
	sync_id=$((sync_id + 1))
	printf '{"execute":"guest-sync","arguments":{"id":%d}}\n%s\n' "$sync_id" "$1" >&"${AGENT[1]}" || return 0
	while read -r -t 15 line <&"${AGENT[0]}"; do
		if [ "$line" = "{\"return\": $sync_id}" ]; then
			read -r -t 15 reply <&"${AGENT[0]}" || true
			return 0
		fi
	done
}
deadline=$(( $(date +%s) + TIMEOUT ))
until agent '{"execute":"guest-ping"}' && [ "$reply" = '{"return": {}}' ]; do
	kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU exited"
	[ "$(date +%s)" -lt "$deadline" ] || fail "no agent answer in ${TIMEOUT}s"
done
t_agent=$(elapsed)
echo "agent answers guest-ping: ${t_agent}s after QEMU start"

until agent '{"execute":"guest-get-host-name"}' && [ "$reply" = "{\"return\": {\"host-name\": \"$HOSTNAME\"}}" ]; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "guest-get-host-name: '$reply', expected $HOSTNAME"
	sleep 2
done
echo "guest-get-host-name: $HOSTNAME"

SSH=(ssh -i "$TMP/key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
	-o ConnectTimeout=20 -o LogLevel=ERROR celadon@127.0.0.1)
until "${SSH[@]}" true 2>/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "no SSH login in ${TIMEOUT}s"
	sleep 3
done
t_ssh=$(elapsed)
echo "SSH login with the seed's key: ${t_ssh}s"
until runcmd=$("${SSH[@]}" cat /var/tmp/celadon-runcmd 2>/dev/null); do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		"${SSH[@]}" 'cloud-init status --long; ps -eo pid,etime,time,args | grep -v "\[" ; sudo tail -n 30 /var/log/cloud-init.log' >&2 || true
		fail "runcmd's file never appeared"
	fi
	sleep 3
done
t_runcmd=$(elapsed)
[ "$runcmd" = "runcmd ran on $HOSTNAME" ] || fail "runcmd's file says '$runcmd'"
echo "runcmd's file read over SSH: '$runcmd' (${t_runcmd}s)"

# Password logins: the server must offer public keys only.
pw=$(ssh -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
	-o PubkeyAuthentication=no -o ConnectTimeout=20 -o LogLevel=ERROR celadon@127.0.0.1 true 2>&1 || true)
case "$pw" in *"Permission denied (publickey)"*) echo "password logins refused: $pw" ;;
	*) fail "password login not refused as expected: $pw" ;; esac

# What the guest says about itself.
facts=$("${SSH[@]}" 'set -e
	echo "root-mib $(df -B1M --output=size / | tail -1 | tr -d " ")"
	echo "root-shadow $(sudo -n awk -F: "\$1 == \"root\" {print \$2}" /etc/shadow)"
	echo "kernel $(uname -r)"
	echo "cmdline $(cat /proc/cmdline)"
	echo "agent $(systemctl is-active qemu-guest-agent)"
	echo "efi $(test -d /sys/firmware/efi && echo yes || echo no)"
	echo "secureboot $(od -An -tu1 -j4 -N1 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c 2>/dev/null | tr -d " " || echo none)"
	echo "state $(systemctl is-system-running || true)"
	echo "failed $(systemctl list-units --failed --plain --no-legend | cut -d" " -f1 | tr "\n" " ")"
	echo "cloud-init $(cloud-init status --long | tr "\n" " ")"
	echo "datasource $(cat /run/cloud-init/cloud-id 2>/dev/null)"
	echo "qemu-ga-cpu $(ps -o time= -C qemu-ga)"
	echo "agent-started-at $(( $(systemctl show qemu-guest-agent -P ActiveEnterTimestampMonotonic) / 1000000 ))s"
	echo "boot $(systemd-analyze time | head -1)"
	echo "slowest $(systemd-analyze blame --no-pager | head -6 | tr -s " " | tr "\n" ",")"') || fail "facts over SSH"
echo "$facts" | sed 's/^/  guest: /'
fact() { echo "$facts" | awk -v k="$1" '$1 == k {sub(/^[^ ]* /, ""); print}'; }
[ "$(fact root-mib)" -gt 3500 ] || fail "root did not grow to the 4 GiB disk: $(fact root-mib) MiB"
case "$(fact root-shadow)" in '*'|'!'*) ;; *) fail "root has a password: $(fact root-shadow)" ;; esac
[ "$(fact efi)" = yes ] || fail "not booted by UEFI"
[ "$(fact secureboot)" = "$SECURE_BOOT" ] || fail "Secure Boot is '$(fact secureboot)', expected $SECURE_BOOT"
[ "$(fact agent)" = active ] || fail "qemu-guest-agent is $(fact agent)"
case "$(fact cmdline)" in *console=ttyS0*) ;; *) fail "no console=ttyS0 in $(fact cmdline)" ;; esac
case "$(fact datasource)" in nocloud*) ;; *) fail "cloud-init's datasource is '$(fact datasource)', expected NoCloud" ;; esac

grep -q 'Linux version' "$TMP/console.log" || fail "the kernel's boot messages are not on the serial console"
grep -q 'EFI stub\|efi: EFI v' "$TMP/console.log" || fail "no sign of an EFI boot on the console"
grep -q 'Welcome to GRUB' "$TMP/console.log" || fail "GRUB (started by shim from the ESP) did not run"
! grep -q 'Invalid cloud-config' "$TMP/console.log" || fail "cloud-init's schema check failed (the image's cloud.cfg.d or the seed)"
echo "serial console: $(grep -c . "$TMP/console.log") lines, first kernel line: $(grep -m1 -a -o 'Linux version [^ ]*' "$TMP/console.log")"

printf '{"execute":"guest-shutdown"}\n' >&"${AGENT[1]}"	# no answer: the guest powers off
for _ in $(seq 120); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 1; done
kill -0 "$qemu_pid" 2>/dev/null && fail "guest-shutdown did not power off in 120 s"
wait "$qemu_pid" || true
qemu_pid=
echo "guest-shutdown: powered off ($(elapsed)s after start)"
(cd "$OUT/debian" && sha256sum -c --quiet debian-12.qcow2.sha256) || fail "the built image changed"
echo "PASS (Secure Boot $SECURE_BOOT; agent ${t_agent}s, SSH ${t_ssh}s, runcmd ${t_runcmd}s after QEMU start, TCG)"

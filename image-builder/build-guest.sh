#!/bin/bash
# Builds the Celadon tiny guest into OUT/tiny: vmlinuz (Debian cloud kernel), initrd.img
# (busybox + qemu-guest-agent + the virtio modules, see guest/init), base.qcow2 (a 64 MiB
# base image for overlay-disk tests) and MANIFEST (what went in).
#
# Usage: build-guest.sh OUT
#
# Inputs, all Debian packages, no root-only mounts, no chroot:
#  - the kernel and its modules: the .deb that linux-image-cloud-amd64 points at, fetched with
#    `apt-get download` into image-builder/target/cache (verified by apt against the index) and
#    unpacked with dpkg-deb, so the host need not install a kernel;
#  - busybox (busybox-static) and qemu-ga (qemu-guest-agent) with the shared libraries it links:
#    the installed files of those packages (the Makefile installs them).
# Output is byte-for-byte reproducible: fixed timestamps (SOURCE_DATE_EPOCH), sorted file list,
# owner 0:0, renumbered inodes. The initramfs is not compressed: the kernel's zstd took a sixth of a
# nested guest's boot to its /init (51 of 290 s, TCG inside TCG in the appliance).
# Nothing is rebuilt when MANIFEST records the same inputs (scripts, packages, binaries).
set -euo pipefail
umask 022
export LC_ALL=C

OUT=${1:?usage: build-guest.sh OUT}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$HERE/target/cache
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
KERNEL_META=linux-image-cloud-amd64
# Drivers by group, each group's list in load order (dependencies added in front from modules.dep).
# /init loads a group only where it is needed: in a guest nested in the emulated appliance each
# insmod takes seconds, and libata and scsi_mod are the largest. base: always. ide: a PCI IDE
# controller (the legacy profile's disks and its seed CD-ROM). scsi: a virtio-scsi controller.
# fat: a cloud-init seed was found (FAT; nls_*: its default code page and character set). vlan:
# VLAN interfaces, asked for with celadon.modules=vlan (the appliance test's LAN peer). button+evdev
# deliver the ACPI power button to acpid. The cloud kernel has no ahci and no e1000 (the legacy
# profile's NIC), so they are not listed.
declare -A MODULES=(
	[base]="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console
		virtio_balloon virtio_blk virtio_net button evdev"
	[ide]="ata_piix sd_mod sr_mod"
	[scsi]="virtio_scsi sd_mod sr_mod"
	[fat]="vfat nls_cp437 nls_ascii"
	[vlan]="8021q"
)
MODULE_GROUPS="base ide scsi fat vlan"

mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)
# Parallel `make guest` runs (tests in several worktrees) must not interleave.
exec 9>"$OUT/.build-guest.lock"
flock 9

# --- What goes in: resolved without network, so the up-to-date check stays fast. ---
. "$HERE/kernel-package.sh"
kernel_package_lookup "$KERNEL_META" build-guest

QGA=/usr/sbin/qemu-ga
BUSYBOX=/bin/busybox
for f in "$QGA" "$BUSYBOX"; do
	[ -x "$f" ] || { echo "build-guest: $f missing (apt-get install qemu-guest-agent busybox-static)" >&2; exit 1; }
done
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "build-guest: $BUSYBOX is not static (install busybox-static)" >&2; exit 1
fi
# The loader and libraries qemu-ga links, as ldd resolves them on this machine.
mapfile -t LIBS < <(ldd "$QGA" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)

manifest() {
	echo "# Celadon tiny guest: inputs (a change rebuilds)"
	echo "kernel $deb_file $deb_hash"
	dpkg-query -W -f='package ${Package} ${Version}\n' busybox-static qemu-guest-agent
	echo "source-date-epoch $SOURCE_DATE_EPOCH"
	for group in $MODULE_GROUPS; do echo "modules $group $(echo ${MODULES[$group]})"; done
	(cd "$HERE" && sha256sum build-guest.sh kernel-package.sh guest/*)
	sha256sum "$BUSYBOX" "$QGA" "${LIBS[@]}"
}
MANIFEST=$(manifest)
TINY=$OUT/tiny
if [ -f "$TINY/MANIFEST" ] && [ -f "$TINY/vmlinuz" ] && [ -f "$TINY/initrd.img" ] && [ -f "$TINY/base.qcow2" ] &&
	[ "$MANIFEST" = "$(cat "$TINY/MANIFEST")" ]; then
	echo "build-guest: $TINY is up to date"
	exit 0
fi

# --- Kernel package: download once, unpack once. ---
kernel_package_unpack "$CACHE" "$BUSYBOX" build-guest

# --- The initramfs tree. ---
WORK=$(mktemp -d "$OUT/.tiny-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
root=$WORK/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/acpi/PWRF,lib/modules,proc,sys,run,tmp,var}
ln -s ../run "$root/var/run"	# qemu-ga's default pid file is /var/run/qemu-ga.pid

install -m 0755 "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list-full); do
	[ "$applet" = bin/busybox ] || ln -s /bin/busybox "$root/$applet"
done
install -m 0755 "$QGA" "$root/usr/sbin/qemu-ga"
for lib in "${LIBS[@]}"; do
	mkdir -p "$root$(dirname "$lib")"
	install -m 0755 "$lib" "$root$lib"	# install follows the soname link: one real file
done

install -m 0755 "$HERE/guest/init" "$root/init"
install -m 0755 "$HERE/guest/shutdown" "$root/sbin/shutdown"
install -m 0755 "$HERE/guest/udhcpc.script" "$root/etc/udhcpc.script"
install -m 0755 "$HERE/guest/power-button" "$root/etc/acpi/PWRF/00000080"
install -m 0644 "$HERE/guest/inittab" "$HERE/guest/os-release" "$HERE/guest/adjtime" "$root/etc/"

# Modules: each wanted one after its dependencies (recursively, so the order modules.dep lists
# them in does not matter), uncompressed so plain busybox insmod loads them; a list per group.
for group in $MODULE_GROUPS; do
	kernel_modules_install "$root" "lib/modules/group.$group" build-guest ${MODULES[$group]}
done

# --- Archive: a hand-written newc header for /dev and /dev/console (the kernel opens the
# console for /init before anything is mounted; making the node would need root), then the
# tree with GNU cpio. The kernel unpacks concatenated archives in order. ---
newc() {	# newc NAME MODE RDEVMAJOR RDEVMINOR; entries without data
	local name=$1 mode=$2 namesize=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$mode" 0 0 1 "$SOURCE_DATE_EPOCH" 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\0' "$name"
	# header (110 bytes) + name is padded to a multiple of 4
	local pad=$(( (4 - (110 + namesize) % 4) % 4 ))
	head -c "$pad" /dev/zero
}
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
{
	newc dev $((0040755)) 0 0
	newc dev/console $((0020600)) 5 1
	newc TRAILER!!! 0 0 0
	(cd "$root" && find . -mindepth 1 -printf '%P\n' | sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible)
} >"$WORK/initrd.img"

# --- Base image: 64 MiB, a marker in the first sector so overlay tests can tell it is there. ---
truncate -s 64M "$WORK/base.raw"
printf 'CELADON-TINY-BASE 1\n' | dd of="$WORK/base.raw" conv=notrunc status=none
qemu-img convert -q -f raw -O qcow2 "$WORK/base.raw" "$WORK/base.qcow2"

# --- Publish: replace OUT/tiny in one rename so readers never see a half-written guest. ---
new=$WORK/tiny
mkdir "$new"
install -m 0644 "$kroot/boot/vmlinuz-$kver" "$new/vmlinuz"
mv "$WORK/initrd.img" "$WORK/base.qcow2" "$new/"
chmod 0644 "$new"/*
echo "$MANIFEST" >"$new/MANIFEST"
rm -rf "$TINY.old"
[ ! -e "$TINY" ] || mv "$TINY" "$TINY.old"
mv "$new" "$TINY"
rm -rf "$TINY.old"
echo "build-guest: built $TINY ($(stat -c %s "$TINY/initrd.img") bytes initrd, kernel $kver)"

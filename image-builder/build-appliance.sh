#!/bin/bash
# Builds the Celadon appliance image into OUT/appliance: celadon.raw (GPT, boots under UEFI),
# celadon.qcow2 (the same disk) and MANIFEST (what went in).
#
# Usage: build-appliance.sh OUT      (OUT/tiny must hold the tiny guest: build-guest.sh OUT)
#        build-appliance.sh OUT --version VERSION [--cmdline 'EXTRA']
#            another version of the built image's unified kernel image, for upgrade tests:
#            OUT/appliance/celadon-VERSION.efi, the same kernel and initramfs with VERSION in its
#            os-release (and EXTRA added to its command line). Reproducible as the image is.
#
# The disk:
#  1. ESP (GPT name CELADON-ESP, FAT32), which is also slot A: EFI/BOOT/BOOTX64.EFI is systemd-boot
#     (Debian's systemd-boot-efi), loader/loader.conf, EFI/Linux/celadon-VERSION.efi the unified
#     kernel image (systemd's EFI stub + the Debian kernel + the initramfs + the command line in
#     ../appliance/cmdline + ../appliance/etc/os-release, whose VERSION_ID is VERSION), and
#     celadon.properties, which the operator edits with mtools before first boot;
#  2. data (GPT name and ext4 label CELADON-DATA): the state dir, made with mkfs.ext4 -d.
# Slot B (an XBOOTLDR partition, CELADON-SLOT-B) is not in the image: /init makes it at the end of the
# disk the image is written to, at first boot (docs/design.md §4 "Upgrades").
# The initramfs is the whole OS, read-only at run time (../appliance/init): busybox, the kernel
# modules of $MODULES, QEMU with qemu-img and its TCG module, OVMF, the reconciler on a jlink'd
# runtime (with a CDS archive; AOT_CACHE=1 adds the JDK AOT cache of the reconciler, which makes
# the build unreproducible), and the tiny guest under /usr/share/celadon/images.
# No root-only operations (no loop mounts, no chroot, no mknod); byte-for-byte reproducible:
# SOURCE_DATE_EPOCH everywhere, sorted cpio, fixed GUIDs, UUIDs, volume ids and hash seeds.
# Nothing is rebuilt when MANIFEST records the same inputs.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

USAGE="usage: build-appliance.sh OUT [--version VERSION [--cmdline 'EXTRA']]"
OUT=${1:?$USAGE}
shift
DERIVE_VERSION= DERIVE_CMDLINE=
while [ $# -gt 0 ]; do
	case "$1" in
		--version) DERIVE_VERSION=${2:?$USAGE}; shift 2 ;;
		--cmdline) DERIVE_CMDLINE=${2?$USAGE}; shift 2 ;;
		*) echo "$USAGE" >&2; exit 2 ;;
	esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
CACHE=$HERE/target/cache
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export SOURCE_DATE_EPOCH E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
QUARKUS_APP=$TOP/reconciler/target/quarkus-app
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
BOOT_MANAGER=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
A=$TOP/appliance
# The appliance's version: its os-release's VERSION_ID, in the UKI's .osrel (what systemd-boot sorts by)
# and in the initramfs (what the running appliance reports).
VERSION=$(sed -n 's/^VERSION_ID=//p' "$A/etc/os-release")
export MTOOLS_SKIP_CHECK=1

# uki OSREL CMDLINE LINUX INITRD OUT.efi: the unified kernel image, the stub's PE sections plus ours,
# each at the next aligned address after the previous one (systemd 252 has no ukify; this is its
# objcopy recipe).
uki() {
	local align=4096 size vma next name file sections=() out=$5 pe
	read -r size vma < <(objdump -h "$STUB" | awk 'NF == 7 {size = $3; vma = $4} END {print size, vma}')
	next=$((0x$size + 0x$vma))	# the end of the stub's last section
	for s in osrel:"$1" cmdline:"$2" linux:"$3" initrd:"$4"; do
		name=${s%%:*} file=${s#*:}
		next=$(( (next + align - 1) / align * align ))	# a multiple of the stub's SectionAlignment and the page size
		sections+=(--add-section ".$name=$file" --change-section-vma ".$name=$(printf 0x%x "$next")")
		next=$((next + $(stat -L -c %s "$file")))
	done
	objcopy "${sections[@]}" "$STUB" "$out"
	# objcopy stamps the PE header with the time of day (and a checksum over it): fix the stamp to
	# SOURCE_DATE_EPOCH and clear the checksum, which UEFI does not check.
	pe=$(od -A n -t u4 -j 60 -N 4 "$out" | tr -d ' ')	# e_lfanew: where the PE header is
	printf "$(le32 "$SOURCE_DATE_EPOCH")" | dd of="$out" bs=1 seek=$((pe + 8)) conv=notrunc status=none
	printf "$(le32 0)" | dd of="$out" bs=1 seek=$((pe + 88)) conv=notrunc status=none
	touch -d "@$SOURCE_DATE_EPOCH" "$out"
}
le32() { printf '%08x' "$1" | sed 's/\(..\)\(..\)\(..\)\(..\)/\\x\4\\x\3\\x\2\\x\1/'; }	# as printf escapes

# --version: the built image's UKI again, with VERSION in its os-release. The initramfs gets a second,
# uncompressed archive holding only etc/os-release: the kernel unpacks concatenated archives in order
# (zero padding between them allowed), so this one's file replaces the first's.
derive_version() {
	local image=$OUT/appliance/celadon.raw v=$DERIVE_VERSION
	case "$v" in
		[A-Za-z0-9]*) ;;
		*) echo "build-appliance: version '$v' must start with a letter or digit" >&2; exit 2 ;;
	esac
	case "$v" in *[!A-Za-z0-9._~^-]*) echo "build-appliance: version '$v' may hold only A-Z a-z 0-9 . _ ~ ^ -" >&2; exit 2 ;; esac
	[ -f "$image" ] || { echo "build-appliance: $image missing: build the image first" >&2; exit 1; }
	work=$(mktemp -d "$OUT/appliance/.derive.XXXXXX")	# global: the trap runs after this function returns
	trap 'rm -rf "$work"' EXIT
	mcopy -i "$image@@1M" "::EFI/Linux/celadon-$VERSION.efi" "$work/base.efi"
	for section in linux initrd cmdline; do
		objcopy -O binary --only-section=".$section" "$work/base.efi" "$work/$section"
	done
	mkdir -p "$work/layer/etc"
	sed -e "s/^VERSION_ID=.*/VERSION_ID=$v/" -e "s/^VERSION=.*/VERSION=\"$v\"/" \
		-e "s/^PRETTY_NAME=.*/PRETTY_NAME=\"Celadon appliance $v\"/" "$A/etc/os-release" >"$work/layer/etc/os-release"
	find "$work/layer" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	head -c $(( (4 - $(stat -c %s "$work/initrd") % 4) % 4 )) /dev/zero >>"$work/initrd"
	(cd "$work/layer" && printf 'etc\netc/os-release\n' | cpio --quiet -o -H newc -R 0:0 --reproducible) >>"$work/initrd"
	printf '%s' "$(cat "$work/cmdline")${DERIVE_CMDLINE:+ $DERIVE_CMDLINE}" >"$work/cmdline.new"
	uki "$work/layer/etc/os-release" "$work/cmdline.new" "$work/linux" "$work/initrd" "$work/celadon.efi"
	chmod 0644 "$work/celadon.efi"
	mv "$work/celadon.efi" "$OUT/appliance/celadon-$v.efi"
	echo "build-appliance: built $OUT/appliance/celadon-$v.efi ($(stat -c %s "$OUT/appliance/celadon-$v.efi") bytes)"
}
if [ -n "$DERIVE_VERSION" ]; then
	OUT=$(cd "$OUT" && pwd)
	derive_version
	exit 0
fi
KERNEL_META=linux-image-amd64	# the generic kernel: real NICs, disks, KVM, VFIO
# The state dir's partition as the image has it: /init grows it to fill the disk the image is written
# to (disks of partitions need that room); 32 MiB keeps an image booted as it is working.
DATA_SIZE_MIB=32
# Beyond the UKI: systemd-boot, celadon.properties and the celadon/ folder (tokens, keys, a CA bundle), and
# room for a later version's UKI about 15 MiB bigger, which an upgrade writes here when slot A is the inactive one.
ESP_SPARE_MIB=16
# Drivers in load order (dependencies are added in front from modules.dep): the disks and NICs of
# QEMU and common servers, the ESP and data filesystems, and what the workers use (KVM, tap on a
# bridge, vhost, VFIO). Built-in or absent ones are noted and skipped.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk
	virtio_scsi virtio_net virtio_console virtio_balloon nvme ahci ata_piix sd_mod e1000 e1000e igb
	ixgbe r8169 crc32c_generic ext4 vfat nls_cp437 nls_ascii nls_utf8 bridge tun vhost_net kvm kvm_intel kvm_amd
	vfio_pci vfio_iommu_type1"
# The reconciler's JDK modules: jdeps over its jars, minus optional references (java.desktop,
# jdk.compiler, java.rmi) it never loads; plus providers found by service lookup (DNS, EC, zipfs).
JDK_MODULES=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.management,jdk.unsupported,jdk.crypto.ec,jdk.naming.dns,jdk.zipfs
# Fixed identities, so two builds give the same bytes.
DISK_GUID=43454c41-444f-4e00-8000-000000000001
ESP_GUID=43454c41-444f-4e00-8000-000000000002
DATA_GUID=43454c41-444f-4e00-8000-000000000003
DATA_UUID=43454c41-444f-4e00-8000-000000000004
HASH_SEED=43454c41-444f-4e00-8000-000000000005
ESP_VOLUME_ID=43454c41

TINY=$OUT/tiny
for f in "$TINY/vmlinuz" "$TINY/initrd.img" "$TINY/base.qcow2" "$QUARKUS_APP/quarkus-run.jar" "$JAVA_HOME/bin/jlink" "$STUB" "$BOOT_MANAGER"; do
	[ -e "$f" ] || { echo "build-appliance: $f missing (make guest build; apt-get install systemd-boot-efi)" >&2; exit 1; }
done
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)
exec 9>"$OUT/.build-appliance.lock"
flock 9

# --- What goes in, resolved without network so the up-to-date check stays fast. ---
. "$HERE/kernel-package.sh"
kernel_package_lookup "$KERNEL_META" build-appliance

BUSYBOX=/bin/busybox
QEMU_TCG=/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so	# Debian builds TCG as a module
# sgdisk and resize2fs: /init grows the data partition on a disk bigger than the image. iproute2's
# ip and bridge: VLAN-aware bridges, the partitions' taps and their VLANs (busybox ip has no tuntap,
# alias or `bridge vlan`); its ip replaces busybox's applet. No qemu-bridge-helper: taps are Celadon's.
# util-linux's setpriv: each QEMU worker starts under its own uid without capabilities (isolation user);
# util-linux's setsid starts it, since busybox's setsid runs busybox's own setpriv applet (it prefers
# its applets to PATH), which has no --reuid. util-linux's prlimit: a worker with a PCI device (VFIO) may
# lock its guest's memory.
# swtpm: the TPM of `tpm: true` partitions (36 KB, with libtpms about 1 MB more).
# mtools (210 KB; mcopy, mren, mdel, mdir are links to it): the reconciler writes the boot slots' FAT without a mount.
# dosfstools' mkfs.fat (64 KB): /init formats slot B with it, the tool that makes the ESP (busybox's mkdosfs
# is another FAT writer, and the two slots are written by mtools alike).
BINARIES=(/usr/bin/qemu-system-x86_64 /usr/bin/qemu-img "$QEMU_TCG"
	/usr/sbin/sgdisk /usr/sbin/resize2fs /bin/ip /sbin/bridge /usr/bin/setpriv /usr/bin/setsid /usr/bin/prlimit /usr/bin/swtpm /usr/bin/mtools
	/sbin/mkfs.fat)
# glibc's converter for code page 850, which mtools uses for FAT short names ("Error converting to codepage 850"
# without it), and the cache that finds it (46 KB together).
GCONV=(/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache /usr/lib/x86_64-linux-gnu/gconv/IBM850.so)
# For `firmware: uefi` partitions; the .ms pair (Secure Boot, Microsoft's keys; 4.2 MB) for `secureBoot: true`.
OVMF=(/usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_VARS_4M.fd
	/usr/share/OVMF/OVMF_CODE_4M.ms.fd /usr/share/OVMF/OVMF_VARS_4M.ms.fd)
# The firmware QEMU loads for QemuArgv's machines (pc and q35, -nodefaults, no VGA): SeaBIOS for
# partitions without OVMF; the option ROMs that load a -kernel (linuxboot, multiboot, PVH) and
# kvmvapic (pc under KVM); the iPXE ROM of each NicModel (virtio-net-pci, e1000, rtl8139: their
# default romfile, which QEMU refuses to start without). Not the other architectures' firmware, the
# VGA BIOSes, the pxe-*.rom (QEMU 7.2 defaults to efi-*.rom), QEMU's OVMF.fd, keymaps or descriptors.
FIRMWARE=(/usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin /usr/share/qemu/linuxboot.bin
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/multiboot.bin /usr/share/qemu/multiboot_dma.bin
	/usr/share/qemu/pvh.bin /usr/lib/ipxe/qemu/efi-virtio.rom /usr/lib/ipxe/qemu/efi-e1000.rom
	/usr/lib/ipxe/qemu/efi-rtl8139.rom)
for f in "$BUSYBOX" "${BINARIES[@]}" "${GCONV[@]}" "${OVMF[@]}" "${FIRMWARE[@]}"; do
	[ -e "$f" ] || { echo "build-appliance: $f missing (apt-get install qemu-system-x86 qemu-utils ovmf busybox-static gdisk e2fsprogs iproute2 util-linux swtpm mtools dosfstools)" >&2; exit 1; }
done

manifest() {
	echo "# Celadon appliance: inputs (a change rebuilds)"
	echo "kernel $deb_file $deb_hash"
	dpkg-query -W -f='package ${Package} ${Version}\n' libc6 busybox-static qemu-system-x86 qemu-utils ovmf seabios ipxe-qemu systemd-boot-efi \
		swtpm libtpms0 binutils mtools dosfstools gdisk e2fsprogs cpio zstd iproute2 util-linux
	echo "jdk $("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | awk '/java.runtime.version/ {print $3}') $JDK_MODULES"
	echo "source-date-epoch $SOURCE_DATE_EPOCH data-mib $DATA_SIZE_MIB esp-spare-mib $ESP_SPARE_MIB aot-cache ${AOT_CACHE:-0}"
	echo "modules $(echo $MODULES)"
	echo "python $(python3 -c 'import sys; print(sys.version.split()[0])')"	# store-jars.py's zipfile
	(cd "$HERE" && sha256sum build-appliance.sh kernel-package.sh store-jars.py) && (cd "$TOP" && sha256sum reconciler/src/main/aot/train.sh)
	(cd "$TOP" && find appliance -type f | sort | xargs sha256sum)
	(cd "$TINY" && sha256sum vmlinuz initrd.img base.qcow2)
	(cd "$QUARKUS_APP" && find . -type f ! -name app.aot | sort | xargs sha256sum)	# the host's AOT cache is not in the image
}
MANIFEST=$(manifest)
DEST=$OUT/appliance
# MANIFEST ends with the sizes the build measured (SIZES_HEADING and below): not inputs.
SIZES_HEADING="# Sizes in bytes (measured by the build, not inputs)"
if [ -f "$DEST/MANIFEST" ] && [ -f "$DEST/celadon.raw" ] && [ -f "$DEST/celadon.qcow2" ] &&
	[ "$MANIFEST" = "$(sed "/^$SIZES_HEADING/,\$d" "$DEST/MANIFEST")" ]; then
	echo "build-appliance: $DEST is up to date"
	exit 0
fi

# --- Kernel package: download once, unpack once (shared with build-guest.sh's cache layout). ---
kernel_package_unpack "$CACHE" "$BUSYBOX" build-appliance

WORK=$(mktemp -d "$OUT/.appliance-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
root=$WORK/root

# --- The initramfs tree. ---
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/celadon,lib/modules,proc,sys,dev,run,tmp,var/lib/celadon,boot/efi,boot/slot}
ln -s ../run "$root/var/run"
ln -s ../run/resolv.conf "$root/etc/resolv.conf"	# written by udhcpc; / is read-only
install -m 0755 "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list-full); do
	[ "$applet" = bin/busybox ] || ln -s /bin/busybox "$root/$applet"
done

rm "$root/sbin/ip"	# iproute2's /bin/ip (BINARIES) instead
rm "$root/bin/setpriv"	# util-linux's /usr/bin/setpriv (BINARIES): busybox's has no --reuid or --bounding-set
rm "$root/usr/bin/setsid"	# util-linux's (BINARIES): busybox's would exec its own setpriv, not the one on PATH

install -m 0755 "$A/init" "$root/init"
install -m 0755 "$A/celadon-run" "$root/sbin/celadon-run"
install -m 0755 "$A/celadon-network" "$root/sbin/celadon-network"
install -m 0755 "$A/celadon-passthrough" "$root/sbin/celadon-passthrough"
install -D -m 0644 "$A/settings.sh" "$root/usr/lib/celadon/settings.sh"
install -m 0755 "$A/celadon-trial" "$root/sbin/celadon-trial"
install -D -m 0644 "$A/jvm.options" "$root/usr/lib/celadon/jvm.options"
install -m 0755 "$A/etc/udhcpc.script" "$root/etc/udhcpc.script"
install -m 0644 "$A/etc/inittab" "$A/etc/os-release" "$A/etc/passwd" "$A/etc/group" "$A/etc/hosts" "$root/etc/"
install -m 0644 "$A/etc/appliance.properties" "$root/etc/celadon/"

# QEMU: the binaries, the TCG module, OVMF, and of the firmware in QEMU's firmware path (Debian's:
# /usr/share/qemu, /usr/share/seabios, /usr/lib/ipxe/qemu) only what QemuArgv's machines load.
for f in "${BINARIES[@]}" "${OVMF[@]}" "${FIRMWARE[@]}"; do
	install -D -m 0755 "$f" "$root$f"	# dereferenced
done
chmod 0644 "$root"/usr/share/OVMF/* "${FIRMWARE[@]/#/$root}"
for tool in mcopy mren mdel mdir; do ln -s mtools "$root/usr/bin/$tool"; done
for f in "${GCONV[@]}"; do install -D -m 0644 "$f" "$root$f"; done

# The reconciler: a runtime of just the modules it needs, and the fast-jar as built.
# With the JDK's class data sharing archive for its own classes (deterministic, no machine code);
# the one for heaps over 32 GiB is left out.
jre=$root/usr/lib/celadon/jre
"$JAVA_HOME/bin/jlink" --add-modules "$JDK_MODULES" --strip-debug --no-header-files --no-man-pages \
	--generate-cds-archive --output "$jre" >/dev/null
rm "$jre/lib/server/classes_nocoops.jsa"
# The JDK's native code without its full symbol tables (libjvm.so: 5 MB, used only to name frames in
# crash reports); the dynamic symbols it links by stay. The class archive still maps (checked).
find "$jre" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec strip --strip-unneeded {} +
"$jre/bin/java" -Xshare:on -version >/dev/null 2>&1 ||
	{ echo "build-appliance: the stripped runtime does not map its class archive" >&2; exit 1; }
cp -r "$QUARKUS_APP" "$root/usr/lib/celadon/app"
# The jars as stored (uncompressed) zip entries: deflate per entry is about 2.3x, the initramfs's
# zstd over all of them at once does better (34 MB of jars: 31 -> 18 MB in the image).
find "$root/usr/lib/celadon/app" -name '*.jar' | sort | python3 "$HERE/store-jars.py"
# `make build` trains an AOT cache for this host's JDK and CPU; it has no place in the image (not
# reproducible, and machine code for the build CPU). AOT_CACHE=1 trains the image's own below.
rm -f "$root/usr/lib/celadon/app/app.aot"

# The loader and every library the binaries link, as ldd resolves them here.
{
	for f in "${BINARIES[@]}"; do ldd "$f"; done
	find "$root/usr/lib/celadon/jre" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} \;
} | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | grep -v "^$root/" | sort -u |
	while read -r lib; do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"	# follows the soname link
	done

# The tiny guest, so partitions can boot `tiny/vmlinuz` with no download.
install -D -m 0644 -t "$root/usr/share/celadon/images/tiny" "$TINY/vmlinuz" "$TINY/initrd.img" "$TINY/base.qcow2"

# Modules: each wanted one after its dependencies, uncompressed for busybox insmod.
kernel_modules_install "$root" lib/modules/load-order build-appliance $MODULES

# --- With AOT_CACHE=1, the JDK AOT cache (JEP 483/514/515): a training run of the reconciler on
# this very runtime and these very jars; the JVM writes the cache as it exits. It starts the
# reconciler about 10 s sooner under TCG (30 -> 20 s) but its bytes differ from run to run (what
# a multithreaded start loads, and its profiles), so it is off by default: the image must be
# reproducible. The cache is valid only for jars of the same mtimes: they get their final ones. ---
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
[ "${AOT_CACHE:-0}" = 0 ] || bash "$TOP/reconciler/src/main/aot/train.sh" "$root/usr/lib/celadon/jre/bin/java" \
	"$root/usr/lib/celadon/app" "$root/usr/lib/celadon/jvm.options"

# The size of each part of the tree, unpacked (files only), for MANIFEST: the next regression shows there.
sizes() {
	local name paths qemu=("${BINARIES[@]:0:3}") tools=("${BINARIES[@]:3}")
	while read -r name paths; do
		# shellcheck disable=SC2086 # paths: a list
		echo "size initramfs.$name $(cd "$root" && find $paths -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }')"
	done <<-EOF
		jre usr/lib/celadon/jre
		jre.classes usr/lib/celadon/jre/lib/modules
		jre.libjvm usr/lib/celadon/jre/lib/server/libjvm.so
		jre.cds usr/lib/celadon/jre/lib/server/classes.jsa
		reconciler usr/lib/celadon/app
		qemu ${qemu[*]#/}
		firmware usr/share/OVMF ${FIRMWARE[*]#/}
		libraries lib/x86_64-linux-gnu lib64
		kernel-modules lib/modules
		busybox+tools bin/busybox ${tools[*]#/}
		tiny-guest usr/share/celadon/images
		all .
	EOF
}
SIZES=$(sizes)

# --- The initramfs: /dev/console first (a hand-written entry: making the node needs root), then
# the tree; the kernel unpacks concatenated archives in order. ---
newc() {	# newc NAME MODE RDEVMAJOR RDEVMINOR; entries without data
	local name=$1 mode=$2 namesize=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$mode" 0 0 1 "$SOURCE_DATE_EPOCH" 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\0' "$name"
	head -c $(( (4 - (110 + namesize) % 4) % 4 )) /dev/zero	# header + name padded to 4 bytes
}
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
{
	newc dev $((0040755)) 0 0
	newc dev/console $((0020600)) 5 1
	newc TRAILER!!! 0 0 0
	(cd "$root" && find . -mindepth 1 -printf '%P\n' | sort | cpio --quiet -o -H newc -R 0:0 --reproducible)
} | zstd -q -12 -T2 >"$WORK/initrd.img"

# --- The unified kernel image. ---
printf '%s' "$(cat "$A/cmdline")" >"$WORK/cmdline"
uki "$A/etc/os-release" "$WORK/cmdline" "$kroot/boot/vmlinuz-$kver" "$WORK/initrd.img" "$WORK/celadon.efi"

# --- The ESP: FAT32 with fixed volume id and times, files copied in with mtools (no mount). ---
install -m 0644 "$A/celadon.properties" "$WORK/celadon.properties"
install -m 0644 "$A/loader.conf" "$WORK/loader.conf"
install -m 0644 "$BOOT_MANAGER" "$WORK/BOOTX64.EFI"
touch -d "@$SOURCE_DATE_EPOCH" "$WORK/celadon.properties" "$WORK/loader.conf" "$WORK/BOOTX64.EFI"
mib() { echo $(( ($1 + 1048575) / 1048576 )); }
esp_mib=$(( $(mib "$(stat -c %s "$WORK/celadon.efi")") + ESP_SPARE_MIB ))
truncate -s "${esp_mib}M" "$WORK/esp.img"
mkfs.vfat -F 32 -S 512 -s 1 --invariant -i "$ESP_VOLUME_ID" -n CELADON-ESP "$WORK/esp.img" >/dev/null
mmd -i "$WORK/esp.img" ::EFI ::EFI/BOOT ::EFI/Linux ::loader
mcopy -m -i "$WORK/esp.img" "$WORK/BOOTX64.EFI" ::EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$WORK/esp.img" "$WORK/loader.conf" ::loader/loader.conf
mcopy -m -i "$WORK/esp.img" "$WORK/celadon.efi" "::EFI/Linux/celadon-$VERSION.efi"
mcopy -m -i "$WORK/esp.img" "$WORK/celadon.properties" ::celadon.properties

# --- The data partition: empty ext4 (the appliance makes its folders), fixed UUID and hash seed,
# times from E2FSPROGS_FAKE_TIME. (mkfs -d would copy the source files' ctimes, which vary.) ---
truncate -s "${DATA_SIZE_MIB}M" "$WORK/data.img"
mkfs.ext4 -q -F -L CELADON-DATA -U "$DATA_UUID" -E "hash_seed=$HASH_SEED,root_owner=0:0" "$WORK/data.img"

# --- The disk: 1 MiB for the GPT, the ESP, the data partition, 1 MiB for the backup GPT. ---
raw=$WORK/celadon.raw
truncate -s $(( (1 + esp_mib + DATA_SIZE_MIB + 1) * 1048576 )) "$raw"
# (sgdisk -q silently writes no partitions: its output goes to /dev/null instead)
sgdisk -U "$DISK_GUID" \
	-n "1:1M:+${esp_mib}M" -t 1:EF00 -c 1:CELADON-ESP -u "1:$ESP_GUID" \
	-n "2:0:+${DATA_SIZE_MIB}M" -t 2:8300 -c 2:CELADON-DATA -u "2:$DATA_GUID" "$raw" >/dev/null
dd if="$WORK/esp.img" of="$raw" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$WORK/data.img" of="$raw" bs=1M seek=$((1 + esp_mib)) conv=notrunc,sparse status=none
qemu-img convert -q -f raw -O qcow2 "$raw" "$WORK/celadon.qcow2"

# --- Publish in one rename: running VMs and parallel builds never see a half-written image. ---
new=$WORK/appliance
mkdir "$new"
mv "$raw" "$WORK/celadon.qcow2" "$new/"
chmod 0644 "$new"/*
{
	echo "$MANIFEST"
	echo "$SIZES_HEADING"
	echo "$SIZES"
	for part in "linux $kroot/boot/vmlinuz-$kver" "initrd $WORK/initrd.img" "uki $WORK/celadon.efi" "esp $WORK/esp.img" \
		"data $WORK/data.img" "celadon.raw $new/celadon.raw" "celadon.qcow2 $new/celadon.qcow2"; do
		echo "size ${part%% *} $(stat -c %s "${part#* }")"
	done
} >"$new/MANIFEST"
rm -rf "$DEST.old"
[ ! -e "$DEST" ] || mv "$DEST" "$DEST.old"
mv "$new" "$DEST"
rm -rf "$DEST.old"
echo "build-appliance: built $DEST/celadon.raw ($(stat -c %s "$DEST/celadon.raw") bytes; UKI $(stat -c %s "$WORK/celadon.efi"), initramfs $(stat -c %s "$WORK/initrd.img"), kernel $kver)"

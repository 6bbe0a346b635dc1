#!/bin/bash
# Builds a Debian 12 (bookworm) cloud-style guest into OUT/debian: debian-12.qcow2, its .sha256,
# debian-12.packages (every package in it, with version) and MANIFEST (what went in).
#
# Usage: build-debian.sh OUT
#
# The disk (GPT, 2 GiB virtual; cloud-init grows the root to the disk's size on first boot):
#  1. ESP (FAT32): EFI/BOOT/BOOTX64.EFI = Debian's signed shim, grubx64.efi (Debian's signed
#     monolithic GRUB) and mmx64.efi beside it, and EFI/debian/grub.cfg, where that GRUB's
#     built-in prefix points: it boots /vmlinuz and /initrd.img (the links the kernel package
#     keeps) from the root partition found by UUID. No -kernel: the firmware boots it, and the
#     whole chain (shim, GRUB, kernel) is signed, so it can boot under Secure Boot.
#  2. root (ext4): mmdebstrap's tree of Debian packages (systemd, cloud-init, qemu-guest-agent,
#     openssh-server, the cloud kernel, tpm2-tools, ...), plus the few files in debian/ beside this script.
# Made without loop devices or mounts of the image: mmdebstrap --mode=root builds the tree in a
# directory (it mounts /proc, /sys and device nodes inside that directory while packages install),
# mke2fs -d copies it into a file, mkfs.vfat + mtools make the ESP, sgdisk partitions a plain
# file and dd assembles it. The packages come from this machine's own apt sources.
# Reproducible where the tools allow (see README.md); nothing is rebuilt when MANIFEST records
# the same inputs.
set -euo pipefail
umask 022
export LC_ALL=C TZ=UTC

OUT=${1:?usage: build-debian.sh OUT}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$HERE/target/cache/debian-archives	# the .debs, kept between builds (apt checks them)
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
export SOURCE_DATE_EPOCH E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
SUITE=bookworm
NAME=debian-12
DISK_MIB=2048	# the virtual size; the qcow2 stores only what is used
ESP_MIB=64
# What the guest is made of, beyond Debian's required set. cloud-init renders its network config
# for ifupdown + dhclient (its "eni" renderer, the one Debian's cloud-init is tested with).
PACKAGES="linux-image-cloud-amd64 initramfs-tools zstd systemd-sysv udev dbus
	shim-signed grub-efi-amd64-signed
	cloud-init cloud-guest-utils qemu-guest-agent openssh-server sudo tpm2-tools
	ifupdown isc-dhcp-client netbase"
# No documentation, manual pages or translations (the copyright files stay): also kept in the
# guest's dpkg config, so later installs there stay small.
DPKG_OPTS=(--dpkgopt=path-exclude=/usr/share/doc/* --dpkgopt=path-include=/usr/share/doc/*/copyright
	--dpkgopt=path-exclude=/usr/share/man/* --dpkgopt=path-exclude=/usr/share/info/*
	--dpkgopt=path-exclude=/usr/share/locale/* --dpkgopt=path-include=/usr/share/locale/locale.alias
	--dpkgopt=path-exclude=/usr/share/lintian/* --dpkgopt=path-exclude=/usr/share/linda/*)

for tool in mmdebstrap mke2fs debugfs dumpe2fs mkfs.vfat mcopy sgdisk qemu-img flock; do
	command -v "$tool" >/dev/null || { echo "build-debian: $tool missing (make deps)" >&2; exit 1; }
done
mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)
DEST=$OUT/debian
exec 9>"$OUT/.build-debian.lock"
flock 9

# Identifiers derived from a constant, so two builds give the same disk (and no two Celadon
# builds need to differ): a UUID is the first 128 bits of sha256("celadon debian-12 WHAT").
derived() { printf 'celadon %s %s' "$NAME" "$1" | sha256sum | cut -c1-32; }
uuid() { derived "$1" | sed 's/^\(........\)\(....\)\(....\)\(....\)\(............\)$/\1-\2-\3-\4-\5/'; }
ROOT_UUID=$(uuid root-fs)
HASH_SEED=$(uuid root-hash-seed)
DISK_GUID=$(uuid disk)
ESP_GUID=$(uuid esp-part)
ROOT_GUID=$(uuid root-part)
ESP_VOLUME_ID=$(derived esp-volume | cut -c1-8)
ESP_UUID=$(echo "$ESP_VOLUME_ID" | tr a-f A-F | sed 's/^\(....\)/\1-/')	# how Linux names it

# The machine's own Debian sources for this suite (its -updates and -security too), as one-line
# entries: third-party sources and other suites are left out.
host_sources() {
	local f
	{
		[ ! -f /etc/apt/sources.list ] || awk '{print "oneline", $0}' /etc/apt/sources.list
		for f in /etc/apt/sources.list.d/*.list; do [ ! -f "$f" ] || awk '{print "oneline", $0}' "$f"; done
		for f in /etc/apt/sources.list.d/*.sources; do [ ! -f "$f" ] || { awk '{print "deb822", $0}' "$f"; echo "deb822"; }; done
	} | awk -v suite="$SUITE" '
		function wanted(s) { return s == suite || s == suite "-updates" || s == suite "-security" }
		function flush(  n, i, s, opt) {
			if (types ~ /(^| )deb( |$)/ && uris != "" && enabled != "no") {
				opt = signedby != "" ? " [signed-by=" signedby "]" : ""
				n = split(suites, s, " ")
				for (i = 1; i <= n; i++) if (wanted(s[i])) print "deb" opt " " uris " " s[i] " " comps
			}
			types = uris = suites = comps = signedby = enabled = ""
		}
		$1 == "oneline" { sub(/^oneline /, ""); sub(/#.*/, "")
			if ($1 != "deb") next
			line = $0; if (match(line, /\[[^]]*\]/)) line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
			split(line, w, " "); if (wanted(w[3])) print $0; next }
		$1 == "deb822" { sub(/^deb822 ?/, "")
			if ($0 ~ /^[ \t]*$/) { flush(); next }
			if ($0 ~ /^#/) next
			key = tolower($1); sub(/^[^:]*:[ \t]*/, "")
			if (key == "types:") types = $0; else if (key == "uris:") uris = $0
			else if (key == "suites:") suites = $0; else if (key == "components:") comps = $0
			else if (key == "signed-by:") signedby = $0; else if (key == "enabled:") enabled = tolower($0) }
		END { flush() }'
}
SOURCES=$(host_sources)
[ -n "$SOURCES" ] || { echo "build-debian: no '$SUITE' source in /etc/apt/sources.list{,.d}" >&2; exit 1; }

# --- What goes in, resolved without network: the packages' versions as this machine's apt index
# has them, the tools that shape the bytes, our scripts and files. ---
candidates() {	# one apt-cache call: each costs a second or more reading the index
	apt-cache policy $PACKAGES 2>/dev/null | awk -v want="$(echo $PACKAGES)" '
		/^[^ ]/ { p = $1; sub(/:$/, "", p) }
		/^  Candidate:/ && $2 != "(none)" { v[p] = $2 }
		END { n = split(want, w, " "); for (i = 1; i <= n; i++) {
			if (!(w[i] in v)) { print "build-debian: apt knows no " w[i] " (apt-get update?)" > "/dev/stderr"; bad = 1 }
			else print "package " w[i] " " v[w[i]] }
			exit bad }'
}
manifest() {
	echo "# Celadon Debian guest: inputs (a change rebuilds)"
	echo "suite $SUITE"
	echo "$SOURCES" | sed 's/^/source /'
	candidates
	dpkg-query -W -f='tool ${Package} ${Version}\n' mmdebstrap e2fsprogs dosfstools mtools gdisk qemu-utils
	echo "source-date-epoch $SOURCE_DATE_EPOCH"
	(cd "$HERE" && sha256sum build-debian.sh debian/*)
}
MANIFEST=$(manifest)
if [ -f "$DEST/MANIFEST" ] && [ -f "$DEST/$NAME.qcow2" ] && [ -f "$DEST/$NAME.qcow2.sha256" ] &&
	[ "$MANIFEST" = "$(cat "$DEST/MANIFEST")" ]; then
	echo "build-debian: $DEST is up to date"
	exit 0
fi

WORK=$(mktemp -d "$OUT/.debian-build.XXXXXX")
# --one-file-system: should mmdebstrap ever leave /proc or /dev/pts mounted in the tree, rm does
# not descend into them.
trap 'rm -rf --one-file-system "$WORK"' EXIT
root=$WORK/root
echo "$SOURCES" >"$WORK/sources.list"

# --- The root tree. mmdebstrap runs apt inside it (root mode: chroot, with /proc, /sys and
# /dev/pts mounted inside the tree while it works); the .debs are synced with the cache. ---
started=$(date +%s)
mmdebstrap --mode=root --variant=minbase --format=directory --skip=essential/unlink \
	--include="$(echo $PACKAGES | tr ' ' ,)" "${DPKG_OPTS[@]}" \
	--setup-hook="mkdir -p \"\$1\"/var/cache/apt/archives" \
	--setup-hook="sync-in '$CACHE' /var/cache/apt/archives" \
	--customize-hook="sync-out /var/cache/apt/archives '$CACHE'" \
	--customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package} \${Version}\n' >'$WORK/packages'" \
	"$SUITE" "$root" "$WORK/sources.list"
# Old .debs no package of this build uses any more leave the cache.
(cd "$CACHE" && for deb in *.deb; do
	p=${deb%%_*}; v=${deb#*_}; v=${v%_*}; v=${v//%3a/:}
	grep -qx "$p $v" "$WORK/packages" || rm -f "$deb"
done)
# The packages asked for must be the versions MANIFEST names: mmdebstrap read the mirror itself,
# which may be newer than this machine's apt index.
while read -r _ p v; do
	grep -qx "$p $v" "$WORK/packages" || {
		echo "build-debian: the mirror has $p $(awk -v p="$p" '$1 == p {print $2}' "$WORK/packages"), this machine's apt index $v: run apt-get update" >&2
		exit 1; }
done < <(echo "$MANIFEST" | grep '^package ')

# --- Our configuration (../debian), and what must not be baked into every copy of the image. ---
install -m 0644 "$HERE/debian/cloud.cfg" "$root/etc/cloud/cloud.cfg.d/90_celadon.cfg"
install -m 0644 "$HERE/debian/sshd_config" "$root/etc/ssh/sshd_config.d/50-celadon.conf"
echo debian >"$root/etc/hostname"
rm -f "$root/etc/resolv.conf"	# the host's; dhclient writes the guest's
rm -f "$root"/etc/ssh/ssh_host_*	# made by openssh-server's postinst: each guest makes its own (cloud-init)
: >"$root/etc/machine-id"	# systemd makes one on first boot
rm -f "$root/var/lib/dbus/machine-id" "$root/var/cache/debconf/"*-old "$root/var/lib/dpkg/"*-old
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*.bin
printf '%s\n' "# <file system> <mount point> <type> <options> <dump> <pass>" \
	"UUID=$ROOT_UUID / ext4 rw,discard,errors=remount-ro 0 1" \
	"UUID=$ESP_UUID /boot/efi vfat umask=0077,nofail 0 2" >"$root/etc/fstab"
mkdir -p "$root/boot/efi"
# e2scrub only checks ext4 on LVM, which this guest has none of; its reaper holds up
# multi-user.target (and so cloud-init's final stage) for tens of seconds under TCG.
ln -sf /dev/null "$root/etc/systemd/system/e2scrub_reap.service"
ln -sf /dev/null "$root/etc/systemd/system/e2scrub_all.timer"
for f in /vmlinuz /initrd.img; do
	[ -e "$root$f" ] || { echo "build-debian: the kernel package left no $f link" >&2; exit 1; }
done
# Files made while installing carry the build's time: they get SOURCE_DATE_EPOCH; files from
# packages keep the time in the .deb (so Python's .pyc files, which record their source's
# mtime, stay valid).
find "$root" -xdev -newermt "@$((started - 1))" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
kver=$(basename "$(readlink "$root/vmlinuz")"); kver=${kver#vmlinuz-}

# --- The root file system: ext4 from the tree. mke2fs -d copies each file's atime and ctime,
# which no one can set, so debugfs sets them (and the nanoseconds) on every inode in use. ---
root_mib=$((DISK_MIB - 1 - ESP_MIB - 1))
truncate -s "${root_mib}M" "$WORK/root.img"
mke2fs -q -F -t ext4 -L root -U "$ROOT_UUID" -E "hash_seed=$HASH_SEED,root_owner=0:0" -d "$root" "$WORK/root.img"
used_inodes() {	# the complement of dumpe2fs's "Free inodes" ranges
	dumpe2fs "$WORK/root.img" 2>/dev/null | awk '
		/^Inode count:/ { total = $3 }
		/^  Free inodes: / { sub(/^  Free inodes: */, ""); n = split($0, r, ", ")
			for (i = 1; i <= n; i++) { if (split(r[i], ab, "-") == 1) ab[2] = ab[1]; for (j = ab[1]; j <= ab[2]; j++) free[j] = 1 } }
		END { for (i = 1; i <= total; i++) if (!(i in free)) print i }'
}
used_inodes | awk -v t="@$SOURCE_DATE_EPOCH" '{
	printf "sif <%d> atime %s\nsif <%d> ctime %s\nsif <%d> atime_extra 0\nsif <%d> ctime_extra 0\n", $1, t, $1, t, $1, $1 }' >"$WORK/times.debugfs"
debugfs -w -f "$WORK/times.debugfs" "$WORK/root.img" >/dev/null 2>"$WORK/debugfs.err" ||
	{ cat "$WORK/debugfs.err" >&2; exit 1; }
if grep -v '^debugfs ' "$WORK/debugfs.err" | grep -q .; then cat "$WORK/debugfs.err" >&2; exit 1; fi
e2fsck -fn "$WORK/root.img" >/dev/null

# --- The ESP: shim as the removable-media path, GRUB beside it, grub.cfg where GRUB looks. ---
grub=$root/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
prefix=$(strings "$grub" | grep -m1 -x '/EFI/[a-z]*' || true)
[ "$prefix" = /EFI/debian ] || { echo "build-debian: signed GRUB's prefix is '$prefix', expected /EFI/debian" >&2; exit 1; }
sed -e "s/@ROOT_UUID@/$ROOT_UUID/g" "$HERE/debian/grub.cfg" >"$WORK/grub.cfg"
install -m 0644 "$root/usr/lib/shim/shimx64.efi.signed" "$WORK/BOOTX64.EFI"
install -m 0644 "$grub" "$WORK/grubx64.efi"
install -m 0644 "$root/usr/lib/shim/mmx64.efi.signed" "$WORK/mmx64.efi"
touch -d "@$SOURCE_DATE_EPOCH" "$WORK/grub.cfg" "$WORK"/*.efi "$WORK/BOOTX64.EFI"
truncate -s "${ESP_MIB}M" "$WORK/esp.img"
mkfs.vfat -F 32 -S 512 -s 1 --invariant -i "$ESP_VOLUME_ID" -n ESP "$WORK/esp.img" >/dev/null
export MTOOLS_SKIP_CHECK=1
mmd -i "$WORK/esp.img" ::EFI ::EFI/BOOT ::EFI/debian
mcopy -m -i "$WORK/esp.img" "$WORK/BOOTX64.EFI" "$WORK/grubx64.efi" "$WORK/mmx64.efi" ::EFI/BOOT/
mcopy -m -i "$WORK/esp.img" "$WORK/grub.cfg" ::EFI/debian/grub.cfg

# --- The disk: 1 MiB for the GPT, the ESP, root, 1 MiB for the backup GPT. ---
raw=$WORK/disk.raw
truncate -s "${DISK_MIB}M" "$raw"
sgdisk -U "$DISK_GUID" \
	-n "1:1M:+${ESP_MIB}M" -t 1:EF00 -c 1:ESP -u "1:$ESP_GUID" \
	-n "2:0:+${root_mib}M" -t 2:8304 -c 2:root -u "2:$ROOT_GUID" "$raw" >/dev/null
dd if="$WORK/esp.img" of="$raw" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$WORK/root.img" of="$raw" bs=1M seek=$((1 + ESP_MIB)) conv=notrunc,sparse status=none
qemu-img convert -q -c -f raw -O qcow2 "$raw" "$WORK/$NAME.qcow2"

# --- Publish in one rename: running VMs and parallel builds never see a half-written image. ---
new=$WORK/debian
mkdir "$new"
mv "$WORK/$NAME.qcow2" "$new/"
(cd "$new" && sha256sum "$NAME.qcow2" >"$NAME.qcow2.sha256")
sort "$WORK/packages" >"$new/$NAME.packages"
echo "$MANIFEST" >"$new/MANIFEST"
chmod 0644 "$new"/*
rm -rf "$DEST.old"
[ ! -e "$DEST" ] || mv "$DEST" "$DEST.old"
mv "$new" "$DEST"
rm -rf "$DEST.old"
echo "build-debian: built $DEST/$NAME.qcow2 ($(stat -c %s "$DEST/$NAME.qcow2") bytes, ${DISK_MIB} MiB virtual; root tree $(du -sm --apparent-size "$root" | cut -f1) MiB; kernel $kver)"

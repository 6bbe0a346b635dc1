# Sourced by build-guest.sh and build-appliance.sh: the Debian kernel package both images are made
# from, resolved from apt's verified index, downloaded once and unpacked once into a shared cache.
# Sets globals (this is shell): pkg, deb_file, deb_hash by kernel_package_lookup; kroot, kver, moddir
# by kernel_package_unpack. kernel_modules_install copies modules and writes a list of them in load order.
# TOOL names the calling script in messages.

kernel_package_lookup() {	# META TOOL
	local meta=$1 tool=$2
	pkg=$(apt-cache depends --important "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	if [ -z "$pkg" ]; then	# a fresh machine whose package lists were never fetched
		apt-get update -qq
		pkg=$(apt-cache depends --important "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	fi
	[ -n "$pkg" ] || { echo "$tool: apt knows no $meta" >&2; exit 1; }
	# `apt-get --print-uris download` prints: 'URI' FILE SIZE SHA256:HEX (from the verified index).
	read -r _ deb_file _ deb_hash < <(apt-get --print-uris download "$pkg") ||
		{ echo "$tool: apt cannot download $pkg" >&2; exit 1; }
}

kernel_package_unpack() {	# CACHE BUSYBOX TOOL
	local cache=$1 busybox=$2 tool=$3
	local deb=$cache/$deb_file
	if [ ! -f "$deb" ]; then
		# Running as root, apt's sandbox user could not write here; the hash is checked either way.
		(cd "$cache" && apt-get -q -o APT::Sandbox::User=root download "$pkg")
	fi
	[ "SHA256:$(sha256sum "$deb" | cut -d' ' -f1)" = "$deb_hash" ] || {
		echo "$tool: $deb does not match the index ($deb_hash); delete it and retry" >&2; exit 1; }
	kroot=$cache/${deb_file%.deb}
	if [ ! -d "$kroot" ]; then
		rm -rf "$kroot.tmp"
		mkdir -p "$kroot.tmp"
		dpkg-deb -x "$deb" "$kroot.tmp"
		# The package ships no modules.dep (the host's depmod makes it on install): make it here.
		local kv
		kv=$(basename "$(ls -d "$kroot.tmp"/lib/modules/*)")
		"$busybox" depmod -b "$kroot.tmp" "$kv"
		mv "$kroot.tmp" "$kroot"
	fi
	kver=$(basename "$(ls -d "$kroot"/lib/modules/*)")
	moddir=$kroot/lib/modules/$kver
}

kernel_modules_install() {	# ROOT LIST TOOL MODULE...: each module with its dependencies, in load order in ROOT/LIST
	local root=$1 tool=$3 m rel
	module_list=$root/$2
	shift 3
	declare -gA seen=()
	: >"$module_list"
	for m in "$@"; do
		rel=$(awk -v m="$m" '{p = $1; sub(/:$/, "", p); n = p; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n); if (n == m) {print p; exit}}' "$moddir/modules.dep")
		if [ -n "$rel" ]; then _kernel_module_add "$root" "$rel"
		elif tr - _ <"$moddir/modules.builtin" | grep -q "/$m.ko\$"; then :	# built into the kernel
		else echo "$tool: $kver has no module $m (skipped)"; fi
	done
}

_kernel_module_add() {	# ROOT RELATIVE_PATH: dependencies first, each module once
	local root=$1 rel=$2 name dep
	name=$(basename "$rel"); name=${name%%.ko*}; name=${name//-/_}
	[ -z "${seen[$name]:-}" ] || return 0
	seen[$name]=1
	for dep in $(awk -v m="$rel:" '$1 == m {for (i = 2; i <= NF; i++) print $i}' "$moddir/modules.dep"); do
		_kernel_module_add "$root" "$dep"
	done
	case "$rel" in
		*.ko) install -m 0644 "$moddir/$rel" "$root/lib/modules/$name.ko" ;;
		*.ko.xz) xz -dc "$moddir/$rel" >"$root/lib/modules/$name.ko" ;;
		*.ko.zst) zstd -qdc "$moddir/$rel" >"$root/lib/modules/$name.ko" ;;
	esac
	echo "$name" >>"$module_list"
}

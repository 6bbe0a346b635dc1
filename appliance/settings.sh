# Sourced by the appliance's boot scripts (celadon-network, celadon-passthrough): their settings, each
# from the kernel command line (wins) or celadon.properties, read one way.
PROPS=/run/celadon/celadon.properties
say() { echo "celadon: $*"; }

# settings: every KEY=VALUE line of both places, the file's first, the command line's words after it.
settings() {
	[ ! -f "$PROPS" ] || tr -d '\r' <"$PROPS"
	tr ' ' '\n' </proc/cmdline
}

# setting KEY: its value (command line over file, the last line of each), empty when unset.
setting() {
	settings | awk -v key="$1=" 'index($0, key) == 1 { value = substr($0, length(key) + 1) } END { print value }'
}

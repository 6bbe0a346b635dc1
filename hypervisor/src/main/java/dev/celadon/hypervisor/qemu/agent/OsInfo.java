package dev.celadon.hypervisor.qemu.agent;

/** The answer to guest-get-osinfo; fields the guest does not report are empty strings. */
public record OsInfo(String id, String name, String prettyName, String version, String kernelRelease) {

    /** What status shows: the pretty name where there is one. */
    public String describe() {
        if (!prettyName.isEmpty()) {
            return prettyName;
        }
        return (name + " " + version).strip();
    }
}

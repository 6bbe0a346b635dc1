package dev.celadon.reconciler.appliance;

/** Partition documents of the tiny guest, for the partitions the appliance's tests and benchmark run inside it. */
final class TinyPartition {

    /** A NIC on VLAN 20 of celadon0, as a partition's spec has it. */
    static final String ON_VLAN = """
            networks:
              - {name: lan, bridge: celadon0, vlan: %d}
            """.formatted(LanPeer.VLAN);

    private TinyPartition() {
    }

    /**
     * A partition of the tiny guest: one vCPU, 128 MiB, {@code cmdline} after the guest's own console options, and
     * {@code more}: further fields of its spec, as they are indented under it.
     */
    static String spec(String name, String cmdline, String more) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: %s
                spec:
                  runState: Running
                  cpus: 1
                  memory: 128Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 quiet cryptomgr.notests%s
                """.formatted(name, cmdline) + more.indent(2);
    }
}

package dev.celadon.hypervisor;

/**
 * The integration services offered over the management channel (Hyper-V's VMBus services),
 * served in the guest by qemu-guest-agent.
 */
public record IntegrationServices(boolean heartbeat, boolean shutdown, boolean timeSync) {

    public static final IntegrationServices ALL = new IntegrationServices(true, true, true);
    public static final IntegrationServices NONE = new IntegrationServices(false, false, false);

    public boolean any() {
        return heartbeat || shutdown || timeSync;
    }
}

/**
 * The integration channel: Celadon's VMBus integration services, served in the guest by
 * qemu-guest-agent on the virtio-serial port {@code org.qemu.guest_agent.0}.
 *
 * <p>The protocol (JSON lines over the host end of the port, a Unix socket):
 * <ol>
 *   <li>Connect. The socket is there as soon as the worker runs, whether or not the agent in the
 *       guest is; until it is, nothing is ever answered and every call ends in its timeout.</li>
 *   <li>Send the byte {@code 0xFF}: the agent discards any half-read request an earlier session left.</li>
 *   <li>Send {@code guest-sync-delimited} with a random id. The agent answers {@code 0xFF} followed by
 *       {@code {"return": id}}. Everything before the {@code 0xFF}, and answers with other ids, is
 *       left over from earlier sessions and skipped. Now requests and answers are in step.</li>
 *   <li>Services: heartbeat {@code guest-ping}; {@code guest-get-osinfo}; {@code guest-get-host-name};
 *       {@code guest-network-get-interfaces}; time sync {@code guest-set-time}; shutdown
 *       {@code guest-shutdown} (mode powerdown), which is not answered when the agent complies.</li>
 *   <li>Close. A session is short: the host holds no connection between probes, so a guest reboot
 *       or agent restart never leaves a half-open session behind.</li>
 * </ol>
 */
package dev.celadon.hypervisor.qemu.agent;

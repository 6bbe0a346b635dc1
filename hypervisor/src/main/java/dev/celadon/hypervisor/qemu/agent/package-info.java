/**
 * The integration channel: Celadon's VMBus integration services, served in the guest by
 * qemu-guest-agent on the virtio-serial port {@code org.qemu.guest_agent.0}.
 *
 * <p>The protocol (JSON lines over the host end of the port, a Unix socket):
 * <ol>
 *   <li>Connect. The socket is there as soon as the worker runs, whether or not the agent in the
 *       guest is; until it is, nothing is ever answered and every call ends in its timeout.</li>
 *   <li>Before each use, send the byte {@code 0xFF}: the agent discards any half-read request left over.</li>
 *   <li>Send {@code guest-sync-delimited} with a random id. The agent answers {@code 0xFF} followed by
 *       {@code {"return": id}}. Everything before the {@code 0xFF}, and answers with other ids, is
 *       left over from earlier uses (a sync the agent was not up to answer, a guest that rebooted) and
 *       skipped. Now requests and answers are in step.</li>
 *   <li>Services: heartbeat {@code guest-ping}; {@code guest-get-osinfo}; {@code guest-get-host-name};
 *       {@code guest-network-get-interfaces}; time sync {@code guest-set-time}; shutdown
 *       {@code guest-shutdown} (mode powerdown), which is not answered when the agent complies.</li>
 *   <li>Hold the connection for the life of the worker, and sync again before the next use. qemu-ga 7.2
 *       busy-loops on a vCPU while nothing is connected to the host end; a guest reboot or agent restart
 *       only leaves stale bytes, which the next sync skips. Close it when the channel fails (EOF, an I/O
 *       error, or requests that an absent agent never read filling it): the next use connects again.</li>
 * </ol>
 */
package dev.celadon.hypervisor.qemu.agent;

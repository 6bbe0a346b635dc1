/**
 * A client for the QEMU Machine Protocol (QMP), the control socket of each worker.
 *
 * <p>The protocol, as this client speaks it (one JSON object per line, UTF-8, over a Unix socket):
 * <ol>
 *   <li>Connect. QEMU accepts one client at a time on a {@code -chardev socket,server=on,wait=off}
 *       monitor; a second client is queued until the first disconnects, which is why the
 *       hypervisor holds at most one connection per worker.</li>
 *   <li>QEMU sends the greeting {@code {"QMP": {"version": ..., "capabilities": [...]}}}.</li>
 *   <li>The client sends {@code {"execute": "qmp_capabilities"}}; QEMU answers {@code {"return": {}}}
 *       and leaves negotiation mode. Only now are commands accepted and events sent.</li>
 *   <li>Commands carry an {@code id}; the answer carries the same id and either {@code return} or
 *       {@code error: {class, desc}}. Ids let a late answer to a timed-out command be dropped
 *       instead of being taken for the answer to the next one.</li>
 *   <li>Events ({@code {"event": NAME, "data": ..., "timestamp": ...}}) arrive at any time between
 *       answers and go to the {@link dev.celadon.hypervisor.qemu.qmp.QmpListener} in order.</li>
 *   <li>End of stream means QEMU has gone (or is about to): every pending command fails with
 *       {@link dev.celadon.hypervisor.qemu.qmp.QmpException.Disconnected} and the listener is told.</li>
 * </ol>
 */
package dev.celadon.hypervisor.qemu.qmp;

#!/usr/bin/env python3
"""Boots the tiny guest under QEMU (TCG) and checks the guest contract from the host side.

Usage: guest-check.py TINY_DIR agent|acpi q35|pc

  agent  virtio guest with qemu-ga, a NIC, the balloon and an overlay disk over base.qcow2:
         guest-sync-delimited, guest-ping, guest-get-osinfo, guest-get-host-name,
         guest-network-get-interfaces (waits for the DHCP address), guest-set-time, a read
         of the overlay disk through guest-file-*, QMP balloon, then guest-shutdown.
  acpi   no agent (the legacy profile on pc: IDE disk, e1000 NIC): QMP system_powerdown.

Both end by waiting for QEMU's SHUTDOWN event (guest-initiated) and for QEMU to exit.
Prints the time from QEMU start to `celadon-tiny: ready` on the console.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

READY_TIMEOUT = 90  # s; TCG on shared cores is slow, a healthy boot takes a few seconds
HOSTNAME = "check-1"


class Console:
    """Collects the serial console (QEMU stdout) line by line."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for raw in stream:
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\r\n"))
                self.cond.notify_all()

    def wait_for(self, text, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not any(text in line for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"console: no {text!r} within {timeout}s")
                self.cond.wait(left)

    def text(self):
        with self.cond:
            return "\n".join(self.lines)


class Qmp:
    def __init__(self, path):
        self.sock = connect(path)
        self.file = self.sock.makefile("rwb")
        self.events = []
        self._read()  # greeting
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise AssertionError("QMP: connection closed")
        return json.loads(line)

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()
        while True:
            reply = self._read()
            if "event" in reply:
                self.events.append(reply)
            elif "error" in reply:
                raise AssertionError(f"QMP {command}: {reply['error']}")
            else:
                return reply["return"]

    def wait_event(self, name, timeout):
        self.sock.settimeout(timeout)
        while not any(e["event"] == name for e in self.events):
            try:
                self.events.append(self._read())
            except (socket.timeout, AssertionError):
                break
        found = [e for e in self.events if e["event"] == name]
        if not found:
            raise AssertionError(f"QMP: no {name} event within {timeout}s")
        return found[0]


class Agent:
    """qemu-ga over the host end of the virtio-serial port (a unix socket)."""

    def __init__(self, path):
        self.sock = connect(path)
        self.sock.settimeout(30)
        self.file = self.sock.makefile("rwb")

    def sync(self):
        # 0xFF resets the agent's parser; the reply to guest-sync-delimited is preceded by 0xFF,
        # so anything stale in the channel before it is skipped.
        self.file.write(b"\xff")
        self._send({"execute": "guest-sync-delimited", "arguments": {"id": 4711}})
        while self.file.read(1) != b"\xff":
            pass
        reply = json.loads(self.file.readline())
        assert reply == {"return": 4711}, reply

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self._send(msg)
        reply = json.loads(self.file.readline())
        if "error" in reply:
            raise AssertionError(f"agent {command}: {reply['error']}")
        return reply["return"]

    def send_only(self, command):  # guest-shutdown answers nothing on success
        self._send({"execute": command})

    def _send(self, msg):
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()


def connect(path, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.2)


def qemu_argv(tiny, mode, machine, tmp):
    argv = ["qemu-system-x86_64", "-accel", "tcg", "-machine", machine, "-m", "128",
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
            "-kernel", f"{tiny}/vmlinuz", "-initrd", f"{tiny}/initrd.img",
            "-append", f"console=ttyS0 celadon.hostname={HOSTNAME}",
            "-qmp", f"unix:{tmp}/qmp.sock,server=on,wait=off",
            "-drive", f"if=none,id=disk0,file={tmp}/overlay.qcow2,format=qcow2",
            "-netdev", "user,id=net0,restrict=on"]
    if mode == "agent":
        argv += ["-device", "virtio-blk-pci,drive=disk0",
                 "-device", "virtio-net-pci,netdev=net0",
                 "-device", "virtio-balloon-pci,id=balloon0",
                 "-device", "virtio-serial-pci",
                 "-chardev", f"socket,id=qga0,path={tmp}/qga.sock,server=on,wait=off",
                 "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0"]
    elif machine == "pc":  # the legacy profile: emulated IDE disk and e1000 NIC
        argv += ["-device", "ide-hd,drive=disk0,bus=ide.0", "-device", "e1000,netdev=net0"]
    else:
        argv += ["-device", "virtio-blk-pci,drive=disk0", "-device", "virtio-net-pci,netdev=net0"]
    return argv


def check_agent(tmp, qmp):
    agent = Agent(f"{tmp}/qga.sock")
    agent.sync()
    assert agent.execute("guest-ping") == {}
    osinfo = agent.execute("guest-get-osinfo")
    assert osinfo["id"] == "celadon-tiny" and osinfo["version-id"] == "1", osinfo
    assert agent.execute("guest-get-host-name")["host-name"] == HOSTNAME

    def address():
        return [a["ip-address"] for i in agent.execute("guest-network-get-interfaces")
                if i["name"] == "eth0" for a in i.get("ip-addresses", [])
                if a["ip-address"] == "10.0.2.15"]
    wait_until(address, 30, "eth0 10.0.2.15 via DHCP")
    agent.execute("guest-set-time", time=time.time_ns())

    handle = agent.execute("guest-file-open", path="/dev/vda", mode="r")
    data = base64.b64decode(agent.execute("guest-file-read", handle=handle, count=20)["buf-b64"])
    agent.execute("guest-file-close", handle=handle)
    assert data == b"CELADON-TINY-BASE 1\n", data

    target = 96 * 1024 * 1024
    qmp.execute("balloon", value=target)
    wait_until(lambda: qmp.execute("query-balloon")["actual"] == target, 30, "balloon to 96 MiB")

    agent.send_only("guest-shutdown")
    print("agent: sync, ping, osinfo, host-name, network, set-time, file read, balloon ok")


def main():
    tiny, mode, machine = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
                        "-b", os.path.abspath(f"{tiny}/base.qcow2"), f"{tmp}/overlay.qcow2"],
                       check=True)
        started = time.monotonic()
        qemu = subprocess.Popen(qemu_argv(tiny, mode, machine, tmp),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        console = Console(qemu.stdout)
        try:
            qmp = Qmp(f"{tmp}/qmp.sock")
            console.wait_for("celadon-tiny: ready", READY_TIMEOUT)
            print(f"{mode} {machine}: ready after {time.monotonic() - started:.1f}s")
            if mode == "agent":
                check_agent(tmp, qmp)
            else:
                if machine == "pc":
                    console.wait_for("QEMU HARDDISK", 10)  # ata_piix found the IDE disk
                qmp.execute("system_powerdown")
            event = qmp.wait_event("SHUTDOWN", 60)
            assert event["data"]["guest"] is True, event
            qemu.wait(30)
            print(f"{mode} {machine}: guest powered off ({event['data']['reason']}), QEMU exited")
        except BaseException:
            print(console.text(), file=sys.stderr)
            raise
        finally:
            if qemu.poll() is None:
                qemu.kill()
                qemu.wait()


if __name__ == "__main__":
    main()

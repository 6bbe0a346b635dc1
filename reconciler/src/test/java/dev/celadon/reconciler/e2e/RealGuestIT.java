package dev.celadon.reconciler.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.celadon.reconciler.testing.BusyboxHttpd;
import dev.celadon.reconciler.testing.Cli;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import dev.celadon.reconciler.testing.ThrottlingRelay;
import dev.celadon.reconciler.testing.Workers;

/**
 * A real operating system, declared entirely in Git: the Debian 12 guest {@code make guest-debian} builds, served
 * by a real HTTP server, fetched by URL and checksum, booted by UEFI firmware (shim, GRUB) from its own disk, and
 * provisioned by real cloud-init from the seed Celadon writes: a user with an SSH key, and a file {@code runcmd}
 * writes. Status shows the download, then Running, then the agent's heartbeat and the guest's hostname; an SSH
 * login with the key, through the partition's port forward, reads the file; the console endpoint shows the boot;
 * a commit stops it through its agent. One boot: under TCG it takes minutes.
 */
class RealGuestIT {

    /** A Debian boot under TCG on a busy two-core machine: 2 to 4 minutes measured, cloud-init's runcmd last. */
    private static final Duration BOOT = Duration.ofMinutes(12);
    private static final String PROOF = "provisioned by celadon";

    @TempDir
    Path root;
    private Path stateDir;

    @AfterEach
    void stopWorkers() {
        if (stateDir != null) {
            Workers.destroyUnder(stateDir);
        }
    }

    @Test
    void aDebianCloudImageByUrlIsProvisionedByCloudInitAndReachableOverSsh() throws Exception {
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images")).toAbsolutePath();
        Path debian = images.resolve("debian");
        assertThat(debian.resolve("debian-12.qcow2")).as("the Debian guest; run `make guest-debian`").exists();
        String sha = Files.readString(debian.resolve("debian-12.qcow2.sha256")).split("\\s+")[0];
        stateDir = root.resolve("state");
        Path key = sshKey();
        int sshPort = Cli.freePort();

        try (BusyboxHttpd httpd = BusyboxHttpd.start(debian, Optional.empty(), root.resolve("httpd.log"));
             // 171 MiB in some seconds: long enough to see the progress, short against the boot.
             ThrottlingRelay relay = new ThrottlingRelay(httpd.port(), 32 << 20)) {
            TestRepo repo = TestRepo.create(root.resolve("git"), "fleet");
            repo.write("partitions.d/debian.yaml", debianPartition("http://127.0.0.1:" + relay.port() + "/debian-12.qcow2", sha,
                    sshPort, Files.readString(key.resolveSibling(key.getFileName() + ".pub")).strip(), "Running"));
            repo.commitAndPush("a Debian guest");

            try (ReconcilerProcess reconciler = ReconcilerProcess.start(Map.of(
                    "CELADON_GIT_URL", repo.fileUrl(),
                    "CELADON_GIT_POLL_INTERVAL", "1s",
                    "CELADON_STATE_DIR", stateDir.toString(),
                    "CELADON_IMAGES_DIRS", images.toString(),
                    "CELADON_HYPERVISOR_ACCEL", "tcg"), root.resolve("reconciler.log"))) {
                StatusClient status = new StatusClient(() -> reconciler.url(""));

                AtomicBoolean progressSeen = new AtomicBoolean();
                await("the image downloaded, then the partition Running").atMost(BOOT).pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            status.condition("debian", "ImageReady")
                                    .filter(c -> c.path("reason").asText().equals("Downloading"))
                                    .ifPresent(c -> progressSeen.set(c.path("message").asText().contains(" bytes (")));
                            return "Running".equals(status.phase("debian"));
                        });
                assertThat(progressSeen).as("ImageReady=False/Downloading with bytes done, total and rate").isTrue();
                assertThat(status.condition("debian", "ImageReady").orElseThrow().path("status").asText()).isEqualTo("True");

                await("the agent's heartbeat and the guest's own hostname").atMost(BOOT).pollInterval(Duration.ofSeconds(2))
                        .until(() -> {
                            JsonNode guest = status.partition("debian").orElseThrow().path("guest");
                            return !guest.path("heartbeatAt").isNull() && guest.path("hostname").asText().equals("debian");
                        });
                assertThat(status.partition("debian").orElseThrow().path("guest").path("os").asText()).contains("Debian");

                await("an SSH login with the seed's key reads what runcmd wrote").atMost(BOOT).pollInterval(Duration.ofSeconds(5))
                        .until(() -> ssh(key, sshPort, "cat /var/tmp/celadon-proof").strip().equals(PROOF));

                String console = status.get("/status/partitions/debian/console").body();
                assertThat(console).as("the guest's boot on its serial console").contains("Welcome to GRUB", "Linux version");

                repo.write("partitions.d/debian.yaml", debianPartition("http://127.0.0.1:" + relay.port() + "/debian-12.qcow2", sha,
                        sshPort, Files.readString(key.resolveSibling(key.getFileName() + ".pub")).strip(), "Stopped"));
                repo.commitAndPush("stop the Debian guest");
                await("stopped through its agent").atMost(BOOT).pollInterval(Duration.ofSeconds(2))
                        .until(() -> "Stopped".equals(status.phase("debian")));
            }
        }
    }

    /** The user is "deploy", not "operator": Debian has a group "operator", and cloud-init fails to create a user of that name. */
    private static String debianPartition(String url, String sha, int sshPort, String publicKey, String runState) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: debian
                spec:
                  runState: %s
                  cpus: 1
                  memory: 1Gi
                  boot: {firmware: uefi}
                  disks:
                    - name: root
                      image: {url: "%s", sha256: "%s"}
                      size: 4Gi
                  networks:
                    - name: mgmt
                      user: {forwards: [{host: %d, guest: 22}]}
                  cloudInit:
                    userData: |
                      #cloud-config
                      users:
                        - name: deploy
                          shell: /bin/bash
                          ssh_authorized_keys: ["%s"]
                      runcmd:
                        - [sh, -c, "echo %s > /var/tmp/celadon-proof"]
                  shutdownGracePeriod: 120s
                """.formatted(runState, url, sha, sshPort, publicKey, PROOF);
    }

    private Path sshKey() throws IOException, InterruptedException {
        Path key = root.resolve("id_ed25519");
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "deploy@celadon-test", "-f", key.toString()));
        return key;
    }

    /** The command's output over SSH, or "" while the guest does not let us in yet. */
    private String ssh(Path key, int port, String command) throws IOException, InterruptedException {
        return run(List.of("ssh", "-i", key.toString(), "-p", String.valueOf(port), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR", "deploy@127.0.0.1", command));
    }

    private String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "";
        }
        return process.exitValue() == 0 ? output : "";
    }
}

package dev.celadon.benchmarks;

import dev.celadon.reconciler.source.SignatureCheck;
import dev.celadon.reconciler.source.TrustedKeys;
import dev.celadon.reconciler.source.Verification;
import dev.celadon.reconciler.source.VerifyMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What {@code celadon.git.verify} costs per new revision: the signature check of the tip commit with JGit's
 * verifiers ({@link SignatureCheck}, as {@code GitSource} runs it before a checkout), against
 * {@code git verify-commit} of the same commit with the same trusted key in the same run (gpg with the key
 * imported; ssh-keygen with the same allowed signers file). Keys come from real {@code gpg} and
 * {@code ssh-keygen}; git signs the commit. Goal (issue 17): {@code check / gitVerifyCommit} ≤ 1.0.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class VerifyBenchmark {

    @Param({"openpgp", "ssh"})
    public String format;

    private Path root;
    private Path work;
    private Map<String, String> gitEnv;
    private List<String> gitVerify;
    private Repository repository;
    private ObjectId commit;
    private SignatureCheck check;

    @Setup(Level.Trial)
    public void signACommit() throws Exception {
        root = Files.createTempDirectory("celadon-bench-verify");
        work = root.resolve("work");
        Path gnupg = Files.createDirectory(root.resolve("gpg"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        gitEnv = Map.of("GNUPGHOME", gnupg.toString(), "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null",
                "GIT_AUTHOR_NAME", "bench", "GIT_AUTHOR_EMAIL", "bench@localhost",
                "GIT_COMMITTER_NAME", "bench", "GIT_COMMITTER_EMAIL", "bench@localhost");
        run(root, "git", "init", "-q", "-b", "main", work.toString());
        Files.createDirectories(work.resolve("partitions.d"));
        Files.writeString(work.resolve("partitions.d/README.md"), "specs\n");
        run(work, "git", "add", "-A");
        TrustedKeys keys;
        List<String> sign;
        if (format.equals("openpgp")) {
            run(root, "gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", "bench <bench@localhost>",
                    "ed25519", "sign", "never");
            String fingerprint = run(root, "gpg", "--batch", "--with-colons", "--list-keys").lines()
                    .filter(l -> l.startsWith("fpr:")).findFirst().orElseThrow().split(":")[9];
            Path trusted = root.resolve("trusted.asc");
            Files.writeString(trusted, run(root, "gpg", "--batch", "--armor", "--export", fingerprint) + "\n");
            keys = new TrustedKeys(VerifyMode.OPENPGP, Optional.of(trusted), Optional.empty());
            sign = List.of("-c", "gpg.format=openpgp", "-c", "user.signingkey=" + fingerprint);
            gitVerify = List.of("git", "verify-commit");
        } else {
            Path key = root.resolve("id_ed25519");
            run(root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key.toString());
            Path allowed = root.resolve("allowed_signers");
            Files.writeString(allowed, "bench@localhost " + Files.readString(root.resolve("id_ed25519.pub")));
            keys = new TrustedKeys(VerifyMode.SSH, Optional.empty(), Optional.of(allowed));
            sign = List.of("-c", "gpg.format=ssh", "-c", "user.signingkey=" + key);
            gitVerify = List.of("git", "-c", "gpg.ssh.allowedSignersFile=" + allowed, "verify-commit");
        }
        List<String> commitCommand = new ArrayList<>(List.of("git"));
        commitCommand.addAll(sign);
        commitCommand.addAll(List.of("commit", "-q", "-S", "-m", "signed specs"));
        run(work, commitCommand.toArray(String[]::new));
        commit = ObjectId.fromString(run(work, "git", "rev-parse", "HEAD"));
        gitVerify = new ArrayList<>(gitVerify);
        gitVerify.add(commit.name());
        repository = new FileRepositoryBuilder().setGitDir(work.resolve(".git").toFile()).build();
        check = new SignatureCheck(keys);
        requireVerified(check());
        gitVerifyCommit();
    }

    /** Celadon: JGit's verifier in-process, keys already read (the files are stat'ed each time). */
    @Benchmark
    public Verification check() throws IOException {
        return check.verify(repository, commit, Optional.empty());
    }

    /** The reference: {@code git verify-commit}, which runs gpg or ssh-keygen; exits 0 only for a good signature. */
    @Benchmark
    public int gitVerifyCommit() throws IOException, InterruptedException {
        Process process = builder(work, gitVerify).start();
        process.getInputStream().readAllBytes();
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IllegalStateException("git verify-commit exited " + exit);
        }
        return exit;
    }

    @TearDown(Level.Trial)
    public void stopAgent() throws Exception {
        repository.close();
        if (format.equals("openpgp")) {
            run(root, "gpgconf", "--kill", "all");
        }
    }

    private static void requireVerified(Verification verification) {
        if (!verification.verified()) {
            throw new IllegalStateException("not verified: " + verification.reason());
        }
    }

    private ProcessBuilder builder(Path dir, List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(gitEnv);
        return builder;
    }

    private String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = builder(dir, List.of(command)).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed");
        }
        return out.strip();
    }
}

package dev.celadon.reconciler.source;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.URIish;

/**
 * Where the desired state comes from ({@code celadon.git.*}). Validated on construction, so a bad setting
 * fails at startup and never on the first poll. {@link #toString()} never shows credentials.
 *
 * @param url            {@code file://}, a local path, {@code git://}, {@code http(s)://} or {@code ssh://};
 *                       userinfo in an http(s) URL is sent as basic credentials, and kept out of JGit's URL,
 *                       the clone and everything shown ({@link GitUrl} says where it ends)
 * @param branch         the branch to follow; blank means {@code main}
 * @param ref            a tag or a full commit SHA; wins over {@code branch}
 * @param path           the spec folder inside the repository; blank means {@code partitions.d},
 *                       {@code .} means the repository root
 * @param sshKeyFile     private key for {@code ssh://} (OpenSSH or PEM format, no passphrase)
 * @param knownHostsFile the only host keys trusted for {@code ssh://}; checking is strict
 * @param tokenFile      for {@code http(s)://}: {@code user:password} (basic) or a bare token (bearer),
 *                       read again at every fetch so it can be rotated without a restart
 */
public record GitSettings(String url, String branch, Optional<String> ref, String path,
                          Optional<Path> sshKeyFile, Optional<Path> knownHostsFile, Optional<Path> tokenFile) {

    public static final String DEFAULT_BRANCH = "main";
    public static final String DEFAULT_PATH = "partitions.d";

    private static final Pattern FULL_SHA = Pattern.compile("[0-9a-f]{40}");

    /** How the URL is reached; decides which credentials apply. */
    enum Protocol { FILE, GIT, HTTP, SSH }

    public GitSettings {
        Objects.requireNonNull(url, "url");
        if (url.isBlank()) {
            throw new IllegalArgumentException("celadon.git.url is empty");
        }
        url = url.strip();
        branch = branch == null || branch.isBlank() ? DEFAULT_BRANCH : branch.strip();
        ref = Objects.requireNonNullElse(ref, Optional.<String>empty()).map(String::strip).filter(r -> !r.isEmpty());
        path = normalizePath(path);
        sshKeyFile = Objects.requireNonNullElse(sshKeyFile, Optional.empty());
        knownHostsFile = Objects.requireNonNullElse(knownHostsFile, Optional.empty());
        tokenFile = Objects.requireNonNullElse(tokenFile, Optional.empty());

        GitUrl split = GitUrl.parse(url);
        URIish parsed = parse(split);
        if (!Repository.isValidRefName("refs/heads/" + branch)) {
            throw new IllegalArgumentException("celadon.git.branch is not a valid branch name: " + branch);
        }
        ref.ifPresent(GitSettings::checkRef);
        Protocol protocol = protocolOf(parsed);
        if (protocol == Protocol.SSH) {
            if (split.password().isPresent()) {
                throw new IllegalArgumentException("a password in an ssh URL is not supported, use "
                        + "celadon.git.ssh-key-file: " + Redaction.redactUrl(url));
            }
            if (sshKeyFile.isEmpty() || knownHostsFile.isEmpty()) {
                throw new IllegalArgumentException("an ssh URL needs celadon.git.ssh-key-file and "
                        + "celadon.git.known-hosts-file: " + Redaction.redactUrl(url));
            }
        } else if (sshKeyFile.isPresent() || knownHostsFile.isPresent()) {
            throw new IllegalArgumentException("celadon.git.ssh-key-file and celadon.git.known-hosts-file apply "
                    + "only to ssh URLs: " + Redaction.redactUrl(url));
        }
        if (tokenFile.isPresent() && protocol != Protocol.HTTP) {
            throw new IllegalArgumentException("celadon.git.token-file applies only to http(s) URLs: "
                    + Redaction.redactUrl(url));
        }
    }

    /** The defaults for everything but the URL. */
    public static GitSettings of(String url) {
        return new GitSettings(url, DEFAULT_BRANCH, Optional.empty(), DEFAULT_PATH,
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The defaults for an ssh URL, which cannot do without its two files. */
    public static GitSettings ofSsh(String url, Path sshKeyFile, Path knownHostsFile) {
        return new GitSettings(url, DEFAULT_BRANCH, Optional.empty(), DEFAULT_PATH,
                Optional.of(sshKeyFile), Optional.of(knownHostsFile), Optional.empty());
    }

    public GitSettings withBranch(String newBranch) {
        return new GitSettings(url, newBranch, ref, path, sshKeyFile, knownHostsFile, tokenFile);
    }

    public GitSettings withRef(String newRef) {
        return new GitSettings(url, branch, Optional.ofNullable(newRef), path, sshKeyFile, knownHostsFile, tokenFile);
    }

    public GitSettings withPath(String newPath) {
        return new GitSettings(url, branch, ref, newPath, sshKeyFile, knownHostsFile, tokenFile);
    }


    public GitSettings withTokenFile(Path newTokenFile) {
        return new GitSettings(url, branch, ref, path, sshKeyFile, knownHostsFile, Optional.of(newTokenFile));
    }

    /** The URL without any userinfo, safe for status and logs. */
    public String redactedUrl() {
        return Redaction.redactUrl(url);
    }

    /** What is followed, for status: the ref if set, else the branch. */
    public String target() {
        return ref.orElse(branch);
    }

    Protocol protocol() {
        return protocolOf(parse(GitUrl.parse(url)));
    }

    /** True if {@link #ref()} names a commit rather than a tag. */
    boolean refIsCommit() {
        return ref.filter(r -> FULL_SHA.matcher(r).matches()).isPresent();
    }

    @Override
    public String toString() {
        return "GitSettings[url=" + redactedUrl() + ", branch=" + branch + ", ref=" + ref.orElse("")
                + ", path=" + path + ", sshKeyFile=" + sshKeyFile.map(Path::toString).orElse("")
                + ", knownHostsFile=" + knownHostsFile.map(Path::toString).orElse("")
                + ", tokenFile=" + tokenFile.map(Path::toString).orElse("") + "]";
    }

    /**
     * The URL without its userinfo, as JGit reads it. JGit never sees the userinfo: its parser misreads
     * some passwords (a {@code /} in one makes the rest a path), and its messages quote the URL.
     */
    static URIish parse(GitUrl url) {
        try {
            return new URIish(url.withoutUserinfo());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("celadon.git.url is not a git URL: " + url.withoutUserinfo());
        }
    }

    private static Protocol protocolOf(URIish uri) {
        String scheme = uri.getScheme();
        if (scheme == null) {
            // scp-like "user@host:repo" has a host; a plain local path has none.
            return uri.getHost() == null ? Protocol.FILE : Protocol.SSH;
        }
        return switch (scheme.toLowerCase(Locale.ROOT)) {
            case "file" -> Protocol.FILE;
            case "git" -> Protocol.GIT;
            case "http", "https" -> Protocol.HTTP;
            case "ssh", "ssh+git", "git+ssh" -> Protocol.SSH;
            default -> throw new IllegalArgumentException("celadon.git.url has an unsupported scheme "
                    + scheme + ": " + uri);
        };
    }

    private static void checkRef(String ref) {
        boolean valid = FULL_SHA.matcher(ref).matches()
                || (!ref.startsWith("refs/") && Repository.isValidRefName("refs/tags/" + ref));
        if (!valid) {
            throw new IllegalArgumentException("celadon.git.ref must be a tag name or a full 40-digit commit SHA: "
                    + ref);
        }
    }

    private static String normalizePath(String path) {
        if (path == null || path.isBlank()) {
            return DEFAULT_PATH;
        }
        String p = path.strip().replace('\\', '/');
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        if (p.startsWith("/")) {
            throw new IllegalArgumentException("celadon.git.path must be relative to the repository root: " + path);
        }
        for (String segment : p.split("/")) {
            if (segment.isEmpty() || segment.equals("..") || (segment.equals(".") && !p.equals("."))
                    || segment.equals(".git")) {
                throw new IllegalArgumentException("celadon.git.path must be a plain folder path inside the "
                        + "repository: " + path);
            }
        }
        return p;
    }
}

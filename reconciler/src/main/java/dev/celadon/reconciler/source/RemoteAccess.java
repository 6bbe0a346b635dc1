package dev.celadon.reconciler.source;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.internal.JGitText;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportHttp;
import org.eclipse.jgit.transport.URIish;

import com.jcraft.jsch.JSchException;

/**
 * Opens transports to the remote with the configured credentials, and turns their failures into
 * {@link SourceException}s whose text is free of credentials.
 *
 * <p>Secrets never reach JGit's URL: userinfo is taken out of every URL ({@link GitUrl}) and an http(s)
 * one's is sent as an {@code Authorization} header instead, as a token file's is, so JGit's own messages
 * cannot echo it and the clone's config never holds it.
 */
final class RemoteAccess {

    /** Connect and read timeout; a hung server must not stall the reconcile loop forever. */
    private static final int TIMEOUT_SECONDS = 30;

    private final GitSettings settings;
    private final URIish uri;
    /** {@code user:password} from an http(s) URL's userinfo, decoded; null without one. */
    private final String urlCredentials;
    private final List<String> urlSecrets;
    private final KeyFileSessionFactory ssh;
    /** The URL's secrets and what was sent last, to scrub from third-party messages. */
    private final List<String> secrets = new ArrayList<>();

    RemoteAccess(GitSettings settings, Path absentSshHome) {
        this.settings = settings;
        GitUrl url = GitUrl.parse(settings.url());
        GitSettings.Protocol protocol = settings.protocol();
        urlCredentials = protocol == GitSettings.Protocol.HTTP
                ? url.user().map(user -> user + ":" + url.password().orElse("")).orElse(null)
                : null;
        urlSecrets = url.secretForms();
        secrets.addAll(urlSecrets);
        // ssh keeps its user name for the login: not a secret (GitSettings refused a password), but still
        // userinfo, so only the transport has it, not the clone's config.
        URIish withoutUserinfo = GitSettings.parse(url);
        this.uri = protocol == GitSettings.Protocol.SSH ? withoutUserinfo.setUser(url.user().orElse(null))
                : withoutUserinfo;
        this.ssh = protocol == GitSettings.Protocol.SSH
                ? new KeyFileSessionFactory(settings.sshKeyFile().orElseThrow(),
                        settings.knownHostsFile().orElseThrow(), absentSshHome)
                : null;
    }

    /** A transport ready to fetch; the caller closes it. */
    Transport open(Repository repo) throws SourceException {
        String authorization = authorization();
        try {
            Transport transport = Transport.open(repo, uri);
            transport.setTimeout(TIMEOUT_SECONDS);
            transport.setTagOpt(TagOpt.NO_TAGS);
            if (transport instanceof TransportHttp http && authorization != null) {
                http.setAdditionalHeaders(Map.of("Authorization", authorization));
            }
            if (transport instanceof SshTransport sshTransport) {
                sshTransport.setSshSessionFactory(ssh);
            }
            return transport;
        } catch (IOException e) {
            throw classify(e);
        }
    }

    /**
     * The one place failures of the remote are told apart. JGit has no exception type per cause, so this
     * looks at the cause chain: socket errors, JSch's messages, and JGit's own texts for HTTP 401/403.
     */
    SourceException classify(Throwable failure) {
        String url = settings.redactedUrl();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof JSchException) {
                String m = String.valueOf(t.getMessage());
                if (m.startsWith("UnknownHostKey") || m.startsWith("reject HostKey")
                        || m.contains("HostKey has been changed")) {
                    return new AuthenticationFailedException(url, "the server's host key is not trusted by "
                            + settings.knownHostsFile().map(Path::toString).orElse("the known hosts file"), failure);
                }
                if (m.startsWith("Auth fail") || m.startsWith("Auth cancel")) {
                    return new AuthenticationFailedException(url, "the server refused the key "
                            + settings.sshKeyFile().map(Path::toString).orElse(""), failure);
                }
                if (m.contains("privatekey") || t.getCause() instanceof java.io.FileNotFoundException) {
                    return new AuthenticationFailedException(url, "cannot load the key "
                            + settings.sshKeyFile().map(Path::toString).orElse("") + ": " + scrub(m), failure);
                }
            }
            if (t instanceof UnknownHostException) {
                return new RemoteUnreachableException(url, "unknown host " + uri.getHost(), failure);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new RemoteUnreachableException(url, "connection refused", failure);
            }
            if (t instanceof SocketTimeoutException) {
                return new RemoteUnreachableException(url, "timed out after " + TIMEOUT_SECONDS + " s", failure);
            }
            if (t instanceof NoRemoteRepositoryException) {
                return new RemoteUnreachableException(url, "no repository at this URL", failure);
            }
            String m = String.valueOf(t.getMessage());
            if (m.contains(remoteLacksRef())) {
                // The ref was deleted between listing and fetching it.
                return new UnknownRefException(url, settings.target());
            }
            if (m.endsWith(JGitText.get().notAuthorized) || m.endsWith(JGitText.get().noCredentialsProvider)
                    || m.endsWith(JGitText.get().authenticationNotSupported) || m.contains(" not permitted on ")) {
                return new AuthenticationFailedException(url, settings.tokenFile().isPresent() || urlCredentials != null
                        ? "the server refused the credentials" : "the server requires credentials", failure);
            }
        }
        return new RemoteUnreachableException(url, problemOf(failure), failure);
    }

    /**
     * JGit's text for a refspec the remote cannot serve, up to its placeholder. Looked up only on a
     * failure: JGit's message bundle is large, and loading it at start cost about 30 ms on the start path.
     */
    private static String remoteLacksRef() {
        return JGitText.get().remoteDoesNotHaveSpec.split("\\{")[0];
    }

    /**
     * The innermost message, without the "URL: " prefix JGit puts on it (JGit sometimes drops the socket
     * exception and keeps only its text, e.g. "Connection refused" for git://).
     */
    private String problemOf(Throwable failure) {
        Throwable innermost = failure;
        while (innermost.getCause() != null && innermost.getCause().getMessage() != null) {
            innermost = innermost.getCause();
        }
        String message = String.valueOf(innermost.getMessage());
        String prefix = uri + ": ";
        while (message.startsWith(prefix)) {
            message = message.substring(prefix.length());
        }
        return scrub(message);
    }

    /** Text of JGit, JSch or the server, made fit to show. */
    String scrub(String text) {
        return Redaction.scrub(text, secrets);
    }

    /** The header value for http(s), read afresh so a rotated token file needs no restart; null if none. */
    private String authorization() throws AuthenticationFailedException {
        String credentials = urlCredentials;
        if (settings.tokenFile().isPresent()) {
            Path file = settings.tokenFile().get();
            try {
                credentials = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                // The exception names the file and its kind, never its content.
                throw new AuthenticationFailedException(settings.redactedUrl(),
                        "cannot read token file " + file + ": " + e.getClass().getSimpleName(), null);
            }
            if (credentials.isEmpty()) {
                throw new AuthenticationFailedException(settings.redactedUrl(), "token file " + file + " is empty",
                        null);
            }
        }
        if (credentials == null) {
            return null;
        }
        secrets.clear();
        secrets.addAll(urlSecrets);
        secrets.add(credentials);
        int colon = credentials.indexOf(':');
        if (colon >= 0) {
            secrets.add(credentials.substring(colon + 1));
            String encoded = Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
            secrets.add(encoded);
            return "Basic " + encoded;
        }
        return "Bearer " + credentials;
    }
}

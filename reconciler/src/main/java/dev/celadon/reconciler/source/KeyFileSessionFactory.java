package dev.celadon.reconciler.source;

import java.io.File;
import java.nio.file.Path;

import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.ssh.jsch.JschConfigSessionFactory;
import org.eclipse.jgit.transport.ssh.jsch.OpenSshConfig;
import org.eclipse.jgit.util.FS;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;

/**
 * SSH sessions that use exactly one key file and trust exactly the hosts in one known hosts file.
 *
 * <p>The stock factory reads {@code ~/.ssh/config}, {@code ~/.ssh/known_hosts} and the default identities
 * of whoever runs the process; an appliance must not depend on, or leak into, that account. So this
 * factory points JGit at a home folder that does not exist and builds every {@link JSch} itself. Both
 * files are read at each connection, so they can be replaced without a restart.
 */
final class KeyFileSessionFactory extends JschConfigSessionFactory {

    private final Path keyFile;
    private final Path knownHostsFile;
    private final FS isolatedFs;

    KeyFileSessionFactory(Path keyFile, Path knownHostsFile, Path absentHome) {
        this.keyFile = keyFile;
        this.knownHostsFile = knownHostsFile;
        File home = absentHome.toFile();
        this.isolatedFs = FS.DETECTED.newInstance().setUserHome(home);
        setConfig(new OpenSshConfig(home, new File(new File(home, ".ssh"), "config")));
    }

    @Override
    public synchronized RemoteSession getSession(URIish uri, CredentialsProvider credentialsProvider, FS fs,
                                                 int tms) throws TransportException {
        return super.getSession(uri, credentialsProvider, isolatedFs, tms);
    }

    @Override
    protected JSch getJSch(OpenSshConfig.Host hc, FS fs) throws JSchException {
        JSch jsch = new JSch();
        jsch.setKnownHosts(knownHostsFile.toString());
        jsch.addIdentity(keyFile.toString());
        return jsch;
    }

    @Override
    protected void configure(OpenSshConfig.Host hc, Session session) {
        session.setConfig("StrictHostKeyChecking", "yes");
        // Only the key: never fall back to asking for a password nobody can type.
        session.setConfig("PreferredAuthentications", "publickey");
    }
}

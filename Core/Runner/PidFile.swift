import Foundation

/// A daemon's pidfile: written atomically (a temporary file renamed into place) and locked with
/// `flock` for as long as the daemon lives, so a stale pidfile of a killed daemon is told apart
/// from a live one by the lock, not by guessing from the pid.
final class PidFile: Sendable {
    let path: String
    private let descriptor: Int32

    /// Writes the current process's pid to `path` and locks it.
    ///
    /// - Throws: ``RunnerError`` if a live daemon holds the pidfile, or it cannot be written.
    init(acquiring path: String) throws(RunnerError) {
        if let holder = Self.livePid(at: path) {
            throw RunnerError(.failure, "already running with pid \(holder) (pidfile \(path))")
        }
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.error("cannot write pidfile", temporary) }
        let text = Array("\(getpid())\n".utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == text.count, flock(descriptor, LOCK_EX | LOCK_NB) == 0, rename(temporary, path) == 0 else {
            let failure = Self.error("cannot write pidfile", path)
            close(descriptor)
            unlink(temporary)
            throw failure
        }
        self.path = path
        self.descriptor = descriptor
    }

    /// Gives the pidfile to `uid`/`gid`, so the daemon can remove it after dropping privileges.
    func chown(uid: uid_t, gid: gid_t) {
        _ = fchown(descriptor, uid, gid)
    }

    /// Removes the pidfile, if it is still this process's, and releases the lock.
    func remove() {
        var ours = stat()
        var current = stat()
        if fstat(descriptor, &ours) == 0, stat(path, &current) == 0,
            ours.st_ino == current.st_ino, ours.st_dev == current.st_dev
        {
            unlink(path)
        }
        close(descriptor)
    }

    /// The pid in the file at `path`, if it parses.
    static func readPid(at path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The pid of the live daemon holding the pidfile, or `nil` if none does (no file, or a
    /// stale one whose lock died with its process).
    static func livePid(at path: String) -> pid_t? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return readPid(at: path)
    }

    private static func error(_ what: String, _ path: String) -> RunnerError {
        RunnerError(.failure, "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}

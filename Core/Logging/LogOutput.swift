import Foundation
import Logging
import Synchronization

/// Where log lines go: standard error, a file (reopened on reload, for logrotate), or syslog.
/// Each line is one `write(2)` to a descriptor opened with `O_APPEND`, so lines from many threads
/// and processes never interleave.
final class LogOutput: Sendable {
    enum Kind: Sendable, Hashable {
        case standardError
        case file(String)
        case syslog(String)
    }

    let kind: Kind
    private let descriptor: Mutex<Int32>

    static let standardError = LogOutput(kind: .standardError, descriptor: STDERR_FILENO)

    private init(kind: Kind, descriptor: Int32) {
        self.kind = kind
        self.descriptor = Mutex(descriptor)
    }

    /// Opens (creating if needed) the log file at `path` for appending.
    static func file(_ path: String) throws(RunnerError) -> LogOutput {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunnerError(.configuration, "cannot open log file \(path): \(String(cString: strerror(errno)))")
        }
        return LogOutput(kind: .file(path), descriptor: descriptor)
    }

    /// Logs through the system logger as `ident`.
    static func syslog(ident: String) -> LogOutput {
        // openlog keeps the pointer: the copy lives as long as the process.
        openlog(strdup(ident), LOG_PID | LOG_NDELAY, LOG_DAEMON)
        return LogOutput(kind: .syslog(ident), descriptor: -1)
    }

    /// Writes one line.
    func write(_ line: String, level: Logger.Level) {
        if case .syslog = kind {
            withVaList([line]) { vsyslog(Self.priority(level), "%s", $0) }
            return
        }
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        descriptor.withLock { descriptor in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }

    /// Reopens the log file by path, so a file moved away by logrotate is replaced.
    func reopen() {
        guard case .file(let path) = kind else { return }
        let fresh = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fresh >= 0 else { return }
        descriptor.withLock { descriptor in
            Foundation.close(descriptor)
            descriptor = fresh
        }
    }

    /// Closes a file output that has been replaced.
    func close() {
        guard case .file = kind else { return }
        descriptor.withLock { descriptor in
            if descriptor >= 0 { Foundation.close(descriptor) }
            descriptor = -1
        }
    }

    private static func priority(_ level: Logger.Level) -> Int32 {
        switch level {
        case .trace, .debug: LOG_DEBUG
        case .info: LOG_INFO
        case .notice: LOG_NOTICE
        case .warning: LOG_WARNING
        case .error: LOG_ERR
        case .critical: LOG_CRIT
        }
    }
}

import Foundation

/// Detaching into the background without `fork()` (unsafe once threads exist): the runner
/// re-executes its own binary with `posix_spawn` in a new session (`POSIX_SPAWN_SETSID`), stdin
/// from `/dev/null`, stdout and stderr appended to the log file, and the write end of a status
/// pipe as descriptor 3. The daemon reports "ready" or its start error through the pipe, so the
/// launching command exits 0 only once the tree is ready.
enum Daemon {
    /// Set in the daemon's environment: the descriptor of its status pipe.
    static let statusVariable = "GINKGO_DAEMON_STATUS_FD"

    /// glibc's `POSIX_SPAWN_SETSID` (since 2.26), which Swift does not see: it is declared only
    /// under `_GNU_SOURCE`.
    private static let spawnSetSID: Int32 = 0x80

    /// What the daemon said about its start.
    enum Startup: Equatable {
        case ready(pid: pid_t)
        case failed(String)
    }

    /// Starts the daemon: this executable with `arguments`, and waits for its startup report.
    static func launch(arguments: [String], logfile: String) async throws(RunnerError) -> Startup {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw failure("pipe") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)

        markDescriptorsCloseOnExec()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logfile, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 3)

        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var environment = ProcessInfo.processInfo.environment
        environment[statusVariable] = "3"
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withChildSignalDefaults(flags: Self.spawnSetSID) { attributes in
            withCStrings(argv) { argvPointers in
                withCStrings(envp) { envPointers in
                    posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
                }
            }
        }
        close(writeEnd)
        guard result == 0 else {
            close(readEnd)
            throw RunnerError(.failure, "cannot start the daemon: \(String(cString: strerror(result)))")
        }
        let report = await readAll(readEnd)
        close(readEnd)
        if report.hasPrefix("READY") { return .ready(pid: pid) }
        if report.hasPrefix("ERROR ") { return .failed(String(report.dropFirst(6)).trimmingCharacters(in: .newlines)) }
        return .failed("the daemon exited before it was ready; see \(logfile)")
    }

    /// The daemon's end of the status pipe, if this process is a daemon the runner launched.
    static func statusChannel() -> Int32? {
        ProcessInfo.processInfo.environment[statusVariable].flatMap(Int32.init)
    }

    /// Reports the start result through the status pipe and closes it.
    static func report(_ message: String, on descriptor: Int32) {
        let bytes = Array((message + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    /// Reads until end of file on a thread of its own, off the cooperative pool.
    private static func readAll(_ descriptor: Int32) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var data = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    data.append(contentsOf: buffer[0..<count])
                }
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// Keeps every descriptor of this process out of the daemon: one inherited by accident (such
    /// as the pipe a caller reads our output from) would stay open as long as the daemon lives.
    /// Swift cannot call glibc's `posix_spawn_file_actions_addclosefrom_np` (hidden behind
    /// `_GNU_SOURCE`), so the launching process marks its own descriptors close-on-exec.
    private static func markDescriptorsCloseOnExec() {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in descriptors.compactMap(Int32.init) where descriptor > 2 {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
    }

    private static func failure(_ call: String) -> RunnerError {
        RunnerError(.failure, "\(call): \(String(cString: strerror(errno)))")
    }
}

#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import Foundation
import Ginkgo
import Synchronization

/// A child process started with `posix_spawn`, for the tests' helpers (processes under test,
/// pyzmq peers, etcd, openssl).
///
/// Not Foundation's `Process`: its `run()` on Linux (Swift 6.3.1) crashes now and then, copying
/// whole `dirent` records out of `/proc/self/fd` past the end of readdir's buffer
/// (swift-corelibs-foundation#5472, fixed after 6.3.1). The suite starts hundreds of processes,
/// and crashed so in one run of three; its children then outlived it.
///
/// ```swift
/// let child = try SpawnedProcess("/usr/bin/python3", ["-c", "print('hello')"], output: .pipe)
/// let text = await child.output()   // "hello\n"
/// let status = await child.exit()   // .exited(0)
/// ```
public final class SpawnedProcess: Sendable {
    /// Where the child's stdout and stderr go.
    public enum Output: Sendable {
        /// This process's own.
        case inherit
        /// `/dev/null`.
        case discard
        /// Both into one pipe, read through ``readOutput(_:)``.
        case pipe
        /// Stdout into a pipe, stderr this process's own.
        case pipeStdout
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status, or the signal's number for a child a signal ended.
        public var status: Int32 {
            switch self {
            case .exited(let status), .signalled(let status): status
            }
        }
    }

    public let pid: pid_t
    /// The read end of the output pipe (``Output/pipe`` and ``Output/pipeStdout``), closed by
    /// its one reader at its end.
    private let outputDescriptor: Int32?
    private let reaper = Reaper()

    /// Starts `executable` (a path) with `arguments`, stdin from `/dev/null`. The child gets
    /// `environment` (this process's when `nil`) and starts in `directory` (this one's when
    /// `nil`); it inherits no descriptor but 0, 1 and 2.
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil,
        output: Output = .inherit
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipeEnds: [Int32] = [-1, -1]
        switch output {
        case .inherit:
            break
        case .discard:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .pipe, .pipeStdout:
            // Close-on-exec from the start: a child spawned by another thread meanwhile must not
            // inherit the write end, which would hold the pipe open after this child exits.
            guard GNU.pipe2(&pipeEnds, O_CLOEXEC) == 0 else { throw SpawnError(executable, errno) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            if case .pipe = output { posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2) }
        }
        if let directory { _ = GNU.addChdir(&actions, directory) }
        _ = GNU.addCloseFrom(&actions, 3)

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withChildSignalDefaults { attributes in
            withCStrings(argv) { argv in
                withCStrings(envp) { envp in
                    posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
                }
            }
        }
        if pipeEnds[1] >= 0 { close(pipeEnds[1]) }
        guard result == 0 else {
            if pipeEnds[0] >= 0 { close(pipeEnds[0]) }
            throw SpawnError(executable, result)
        }
        self.pid = pid
        self.outputDescriptor = pipeEnds[0] >= 0 ? pipeEnds[0] : nil
        reaper.start(pid)
    }

    /// A child still running is killed and reaped.
    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            reaper.done.wait()
        }
    }

    /// Whether the child has not been reaped yet.
    public var isRunning: Bool { reaper.ended.withLock { $0 == nil } }

    /// How it ended, once it has.
    public var termination: Termination? { reaper.ended.withLock { $0 } }

    /// Sends `signal` to the child, while it has not been reaped: its pid names no other process
    /// before (see `Reaper`).
    public func signal(_ signal: Int32) {
        reaper.ended.withLock { ended in
            if ended == nil { _ = kill(pid, signal) }
        }
    }

    /// Blocks until the child exits.
    @discardableResult
    public func waitUntilExit() -> Termination {
        reaper.done.wait()
        return termination!
    }

    /// Waits until the child exits, without blocking a thread of the pool.
    public func exit() async -> Termination {
        await withCheckedContinuation { continuation in
            reaper.done.notify(queue: .global()) { continuation.resume() }
        }
        return termination!
    }

    /// Reads the output pipe on a thread of its own, handing `chunk` each piece as it comes and
    /// `nil` at its end (when the child, and any child of its that kept the pipe, closed it).
    /// Once per value.
    ///
    /// The thread closes the pipe at its end, not this value's `deinit`: a descriptor closed
    /// under a blocked reader may be reused meanwhile, and the reader would take another file's
    /// bytes.
    public func readOutput(_ chunk: @escaping @Sendable ([UInt8]?) -> Void) {
        guard let descriptor = outputDescriptor else { return chunk(nil) }
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    chunk(Array(buffer[..<count]))
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            close(descriptor)
            chunk(nil)
        }
    }

    /// All the output, once it ends (see ``readOutput(_:)``).
    public func output() async -> String {
        let bytes = Mutex<[UInt8]>([])
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            readOutput { chunk in
                guard let chunk else { return continuation.resume() }
                bytes.withLock { $0 += chunk }
            }
        }
        return bytes.withLock { String(decoding: $0, as: UTF8.self) }
    }
}

/// glibc's GNU extensions, which Swift does not see (they are declared under `_GNU_SOURCE`),
/// looked up once.
private enum GNU {
    static let pipe2 = function(
        "pipe2",
        as: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self
    )
    static let addChdir = function(
        "posix_spawn_file_actions_addchdir_np",
        as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self
    )
    static let addCloseFrom = function(
        "posix_spawn_file_actions_addclosefrom_np",
        as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self
    )

    private static func function<Function>(_ name: String, as type: Function.Type) -> Function {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            fatalError("glibc has no \(name) (2.34 or later has)")
        }
        return unsafeBitCast(symbol, to: type)
    }
}

/// Why a child could not be started.
public struct SpawnError: Error, CustomStringConvertible {
    public let executable: String
    public let code: Int32

    init(_ executable: String, _ code: Int32) {
        self.executable = executable
        self.code = code
    }

    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}

/// Waits for one child on a thread of its own (the wait blocks), and records how it ended. Not
/// the child's value: a thread holding that would keep it, and a child its test forgot, alive.
///
/// It waits for the exit without reaping (`WNOWAIT`), then reaps under the lock that
/// ``SpawnedProcess/signal(_:)`` takes: a signal sent while `ended` is `nil` reaches the child,
/// or its zombie, never a process that got its pid after.
private final class Reaper: Sendable {
    let ended = Mutex<SpawnedProcess.Termination?>(nil)
    let done = DispatchGroup()

    func start(_ pid: pid_t) {
        done.enter()
        Thread.detachNewThread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
            ended.withLock { ended in
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                // The low 7 bits: 0 for an exit (its status in the next byte), else the signal.
                let signal = status & 0x7F
                ended = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
            }
            done.leave()
        }
    }
}

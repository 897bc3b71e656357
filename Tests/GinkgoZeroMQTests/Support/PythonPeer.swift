import Foundation
import Synchronization
import TestSupport

/// A pyzmq script run by Debian's `/usr/bin/python3` as a child process; the test reads the
/// lines it prints instead of sleeping. The process is killed and reaped when the peer is
/// stopped or deinitialised.
final class PythonPeer: Sendable {
    private struct Lines {
        var ready: [String] = []
        var partial: [UInt8] = []
        var finished = false
        var waiter: CheckedContinuation<String?, Never>?
    }

    private let process: SpawnedProcess
    private let lines = Mutex(Lines())

    /// Starts `script` with `arguments` (in `sys.argv[1:]`).
    init(_ script: String, arguments: [String] = []) throws {
        let process = try SpawnedProcess(
            "/usr/bin/python3",
            ["-u", "-c", script] + arguments,
            output: .pipeStdout
        )
        self.process = process
        process.readOutput { [weak self] chunk in
            guard let self else { return }
            let bytes = chunk ?? []
            let (waiter, line) = self.lines.withLock { state -> (CheckedContinuation<String?, Never>?, String?) in
                state.partial.append(contentsOf: bytes)
                state.finished = chunk == nil
                while let newline = state.partial.firstIndex(of: 10) {
                    state.ready.append(String(decoding: state.partial[..<newline], as: UTF8.self))
                    state.partial.removeSubrange(...newline)
                }
                guard let waiter = state.waiter, !state.ready.isEmpty || state.finished else { return (nil, nil) }
                state.waiter = nil
                return (waiter, state.ready.isEmpty ? nil : state.ready.removeFirst())
            }
            waiter?.resume(returning: line)
        }
    }

    /// The next line the script prints; throws if it exits first.
    func line() async throws -> String {
        let next = await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let line = lines.withLock { state -> String?? in
                if !state.ready.isEmpty { return .some(state.ready.removeFirst()) }
                if state.finished { return .some(nil) }
                state.waiter = continuation
                return nil
            }
            if let line { continuation.resume(returning: line) }
        }
        guard let line = next else {
            throw PeerExited(status: process.termination?.status)
        }
        return line
    }

    /// Waits for the script to exit and returns its status.
    func exitStatus() async -> Int32 {
        await process.exit().status
    }

    /// Kills the script (SIGKILL: a child may inherit a mask that blocks SIGTERM) and reaps it.
    func stop() {
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        stop()
    }

    struct PeerExited: Error {
        let status: Int32?
    }
}

extension PythonPeer {
    /// Whether `/usr/bin/python3` can import zmq (Debian's python3-zmq; `make test` installs it).
    static let hasPyzmq: Bool = {
        let check = try? SpawnedProcess("/usr/bin/python3", ["-c", "import zmq"], output: .discard)
        return check?.waitUntilExit() == .exited(0)
    }()
}

import Foundation
import Synchronization

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

    private let process: Process
    private let lines = Mutex(Lines())

    /// Starts `script` with `arguments` (in `sys.argv[1:]`).
    init(_ script: String, arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", "-c", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        self.process = process
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            guard let self else { return }
            let (waiter, line) = self.lines.withLock { state -> (CheckedContinuation<String?, Never>?, String?) in
                state.partial.append(contentsOf: data)
                state.finished = data.isEmpty
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
        try process.run()
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
            throw PeerExited(status: process.isRunning ? nil : process.terminationStatus)
        }
        return line
    }

    /// Waits for the script to exit and returns its status.
    func exitStatus() async -> Int32 {
        await Task.detached { [process] in
            process.waitUntilExit()
            return process.terminationStatus
        }.value
    }

    /// Kills the script (SIGKILL: a child may inherit a mask that blocks SIGTERM) and reaps it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import zmq"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}

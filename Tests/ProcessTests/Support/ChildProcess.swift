import Foundation
import Synchronization
import TestSupport
import Testing

/// A built executable run as a child process: its combined stdout and stderr are collected, a
/// test waits for a line of it, sends it signals, and reaps it. A child still running when the
/// test is done is killed.
final class ChildProcess: Sendable {
    private struct State {
        var output = ""
        /// Each waits for its text, or (`nil`) only for the end of the output.
        var waiters: [(id: Int, text: String?, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiter = 0
        var exited = false
    }

    let process: SpawnedProcess
    private let state = Mutex(State())

    /// Starts `executable` (a product of this package) with `arguments`.
    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        directory: String? = nil
    ) throws {
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "NOTIFY_SOCKET")
        merged.merge(environment) { _, new in new }
        let process = try SpawnedProcess(
            Executables.url(executable).path,
            arguments,
            environment: merged,
            directory: directory,
            output: .pipe
        )
        self.process = process
        // Weakly: a child its test is done with is killed when this value goes.
        process.readOutput { [weak self] bytes in
            guard let bytes else { return self?.ended() ?? () }
            self?.append(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The output ended: every waiter is done.
    private func ended() {
        let waiters = state.withLock { state in
            state.exited = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    var pid: pid_t { process.pid }

    /// Everything the child wrote so far.
    var output: String { state.withLock { $0.output } }

    private func append(_ text: String) {
        let ready = state.withLock { state in
            state.output += text
            let output = state.output
            let ready = state.waiters.filter { $0.text.map(output.contains) ?? false }
            state.waiters.removeAll { $0.text.map(output.contains) ?? false }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Waits until the output contains `text`, the child has closed its output, or the task is
    /// cancelled (as a test's time limit does).
    func wait(for text: String) async {
        await waitForOutput(text)
    }

    /// Waits until the output contains `text` (with `nil`, only until it ends), the child has
    /// closed its output, or the task is cancelled.
    private func waitForOutput(_ text: String?) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    let found = text.map(state.output.contains) ?? false
                    if found || state.exited || Task.isCancelled { return true }
                    state.waiters.append((id, text, continuation))
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume()
        }
    }

    /// Waits for `text`, and records an issue naming the output so far if it never came.
    func expect(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        await wait(for: text)
        if !output.contains(text) {
            Issue.record("expected \"\(text)\" in the output:\n\(output)", sourceLocation: sourceLocation)
        }
    }

    func signal(_ signal: Int32) {
        process.signal(signal)
    }

    /// Waits for the child to exit and returns its status, once everything it wrote is in
    /// ``output`` (the reader thread can lag behind the exit).
    func exitStatus() async -> Int32 {
        let status = await process.exit().status
        await waitForOutput(nil)
        return status
    }

    /// Expects the child to exit 0; otherwise records how it ended and its output.
    func expectCleanExit(sourceLocation: SourceLocation = #_sourceLocation) async {
        let status = await exitStatus()
        let ending =
            if case .signalled = process.termination { "killed by signal \(status)" } else { "exited \(status)" }
        #expect(status == 0, "\(ending): \(output)", sourceLocation: sourceLocation)
    }

    /// Runs a command to completion: its exit status and output.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        directory: String? = nil
    ) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(executable, arguments, environment: environment, directory: directory)
        let status = await child.exitStatus()
        await child.wait(for: "\u{0}never")
        return (status, child.output)
    }
}

/// Where this package's executables were built: beside the test bundle.
enum Executables {
    static func url(_ name: String) -> URL {
        if name.hasPrefix("/") { return URL(fileURLWithPath: name) }
        let bundle = URL(
            fileURLWithPath: CommandLine.arguments.first.flatMap { arg in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arg
            } ?? ""
        )
        return bundle.deletingLastPathComponent().appendingPathComponent(name)
    }
}

import Synchronization
import UnixSignals

/// Handles the runner's signals for the whole run: SIGHUP reloads a ready tree; the first
/// SIGTERM or SIGINT is the request to stop, and stops a tree that is still starting (which
/// interrupts its start) — so Ctrl-C works even while a service waits to become ready.
final class SignalListener: Sendable {
    /// The first stop signal's name, shared with the listening task.
    private final class Request: Sendable {
        let signal = Mutex<String?>(nil)
    }

    private let requested = Request()
    private let requests: AsyncStream<String>
    private let task: Task<Void, Never>
    private let app: Service

    init(_ signals: UnixSignalsSequence, app: Service, reload: @escaping @Sendable () async -> Void) {
        let (requests, requestStop) = AsyncStream.makeStream(of: String.self)
        self.requests = requests
        self.app = app
        let requested = self.requested
        // The one unstructured task bridges signal delivery into the run; cancel() ends it.
        task = Task {
            for await signal in signals {
                if signal == .sighup {
                    if app.isReady { await reload() }
                    continue
                }
                let first = requested.signal.withLock { request in
                    defer { request = request ?? "\(signal)" }
                    return request == nil
                }
                guard first else { continue }
                requestStop.yield("\(signal)")
                if app.state == .starting { await app.stop() }
            }
        }
    }

    /// The signal that asked to stop, if one has.
    var stopRequest: String? { requested.signal.withLock { $0 } }

    /// Waits for a stop signal, or for the tree to stop by itself; says which.
    func waitForStop() async -> String {
        await withTaskGroup(of: String.self) { group in
            group.addTask {
                for await request in self.requests { return request }
                return "signals ended"
            }
            group.addTask {
                try? await self.app.waitUntil(.stopped)
                return "the tree stopped"
            }
            let reason = await group.next() ?? "stopped"
            group.cancelAll()
            return reason
        }
    }

    func cancel() {
        task.cancel()
    }
}

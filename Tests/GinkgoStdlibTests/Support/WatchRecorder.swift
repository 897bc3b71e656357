import Ginkgo
import GinkgoStdlib
import Synchronization

/// Consumes a watch and hands its updates to a test one at a time, each wait bounded.
final class WatchRecorder: Sendable {
    private struct State {
        var updates: [WatchUpdate] = []
        var taken = 0
        var end: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Runs `body` while a child task records `stream`; stops listening when `body` returns.
    static func recording<T: Sendable>(
        _ stream: AsyncThrowingStream<WatchUpdate, any Error>,
        _ body: (WatchRecorder) async throws -> T
    ) async throws -> T {
        let recorder = WatchRecorder()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await recorder.record(stream) }
            defer { group.cancelAll() }
            return try await body(recorder)
        }
    }

    /// The next update not yet taken, waiting for it at most `limit`.
    func next(within limit: Duration = .seconds(30)) async throws -> WatchUpdate {
        try await withTimeout(limit) { await self.waitForMore() }
        return try state.withLock { state in
            if state.taken < state.updates.count {
                defer { state.taken += 1 }
                return state.updates[state.taken]
            }
            if case .failure(let error) = state.end { throw error }
            throw WatchEnded()
        }
    }

    /// The next update, which must be a change.
    func nextChange(within limit: Duration = .seconds(30)) async throws -> DiscoveryChange {
        let update = try await next(within: limit)
        guard case .change(let change) = update else { throw Unexpected(update: update) }
        return change
    }

    /// Every update recorded so far, taken or not.
    var updates: [WatchUpdate] { state.withLock { $0.updates } }

    private func record(_ stream: AsyncThrowingStream<WatchUpdate, any Error>) async {
        do {
            for try await update in stream {
                state.withLock { state in
                    state.updates.append(update)
                    defer { state.waiter = nil }
                    return state.waiter
                }?.resume()
            }
            finish(.success(()))
        } catch {
            finish(.failure(error))
        }
    }

    private func finish(_ end: Result<Void, any Error>) {
        state.withLock { state in
            state.end = end
            defer { state.waiter = nil }
            return state.waiter
        }?.resume()
    }

    private func waitForMore() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    if state.taken < state.updates.count || state.end != nil || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }

    /// The watch ended although the test expected more.
    struct WatchEnded: Error {}

    /// An update other than the change the test expected.
    struct Unexpected: Error {
        var update: WatchUpdate
    }
}

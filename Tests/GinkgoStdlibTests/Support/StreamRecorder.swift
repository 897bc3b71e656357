import Ginkgo
import GinkgoStdlib
import Synchronization

/// Consumes a stream (a watch) in a child task and hands its elements to a test one at a time,
/// each wait bounded.
final class StreamRecorder<Element: Sendable>: Sendable {
    private struct State {
        var elements: [Element] = []
        var taken = 0
        var end: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Runs `body` while a child task records `stream`; stops listening when `body` returns.
    static func recording<T: Sendable>(
        _ stream: AsyncThrowingStream<Element, any Error>,
        _ body: (StreamRecorder) async throws -> T
    ) async throws -> T {
        let recorder = StreamRecorder()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await recorder.record(stream) }
            defer { group.cancelAll() }
            return try await body(recorder)
        }
    }

    /// The next element not yet taken, waiting for it at most `limit`.
    func next(within limit: Duration = .seconds(30)) async throws -> Element {
        try await withTimeout(limit) { await self.waitForMore() }
        return try state.withLock { state in
            if state.taken < state.elements.count {
                defer { state.taken += 1 }
                return state.elements[state.taken]
            }
            if case .failure(let error) = state.end { throw error }
            throw StreamEnded()
        }
    }

    /// Every element recorded so far, taken or not.
    var elements: [Element] { state.withLock { $0.elements } }

    private func record(_ stream: AsyncThrowingStream<Element, any Error>) async {
        do {
            for try await element in stream {
                state.withLock { state in
                    state.elements.append(element)
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
                    if state.taken < state.elements.count || state.end != nil || Task.isCancelled { return true }
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

}

/// The stream ended although the test expected more.
struct StreamEnded: Error {}

/// An update other than the change the test expected.
struct UnexpectedUpdate: Error {
    var update: WatchUpdate
}

extension StreamRecorder where Element == WatchUpdate {
    /// The next update, which must be a change.
    func nextChange(within limit: Duration = .seconds(30)) async throws -> DiscoveryChange {
        let update = try await next(within: limit)
        guard case .change(let change) = update else { throw UnexpectedUpdate(update: update) }
        return change
    }
}

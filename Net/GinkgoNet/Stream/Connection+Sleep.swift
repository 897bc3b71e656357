import NIOCore
import Synchronization

extension Connection {
    /// Waits `duration` on a timer of the connection's event loop: the cheap way for a handler to
    /// pace itself, such as a server that greets every second.
    ///
    /// ```swift
    /// while !connection.isDraining {
    ///     try await connection.write("Hello World\n")
    ///     try await connection.sleep(for: .seconds(1))
    /// }
    /// ```
    /// `Task.sleep` does the same, but makes a task of its own for each wait (about 1.9 KiB, live
    /// while it waits: 1.9 MiB for 1,000 connections that sleep); this costs one small object.
    ///
    /// - Throws: `CancellationError`, at once, when the handler's task is cancelled (as a stop
    ///   does once `drainTimeout` has passed), or when the event loop is shutting down.
    nonisolated(nonsending) public func sleep(for duration: Duration) async throws {
        let (sleep, callback) = try LoopSleep.schedule(on: writer.bridge.channel.eventLoop, for: duration)
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                sleep.install(continuation)
            }
        } onCancel: {
            // Resumed here, outside the event loop's locks, before the timer is removed.
            sleep.finish(cancelled: true)
            callback.cancel()
        }
    }
}

/// One ``Connection/sleep(for:)``: the timer's handler, and the waiting task's continuation.
final class LoopSleep: NIOScheduledCallbackHandler, Sendable {
    private enum State {
        case initial
        case waiting(UnsafeContinuation<Void, any Error>)
        case done(cancelled: Bool)
    }

    private let state = Mutex(State.initial)

    /// A sleep of `duration` on `eventLoop`'s timers. Not async, and out of line: its locals stay
    /// out of the sleeping task's frames.
    @inline(never)
    static func schedule(on eventLoop: any EventLoop, for duration: Duration) throws -> (
        LoopSleep, NIOScheduledCallback
    ) {
        let sleep = LoopSleep()
        do {
            return (sleep, try eventLoop.scheduleCallback(in: TimeAmount(duration), handler: sleep))
        } catch {
            throw CancellationError()  // the event loop is shutting down
        }
    }

    /// Waits with `continuation`, or resumes it at once if the sleep already ended.
    func install(_ continuation: UnsafeContinuation<Void, any Error>) {
        let ended: Bool? = state.withLock { state in
            guard case .done(let cancelled) = state else {
                state = .waiting(continuation)
                return nil
            }
            return cancelled
        }
        switch ended {
        case nil: break
        case true?: continuation.resume(throwing: CancellationError())
        case false?: continuation.resume()
        }
    }

    /// Ends the sleep, once: normally, or with `CancellationError`.
    func finish(cancelled: Bool) {
        let waiting: UnsafeContinuation<Void, any Error>? = state.withLock { state in
            switch state {
            case .done:
                return nil
            case .initial:
                state = .done(cancelled: cancelled)
                return nil
            case .waiting(let continuation):
                state = .done(cancelled: cancelled)
                return continuation
            }
        }
        if cancelled { waiting?.resume(throwing: CancellationError()) } else { waiting?.resume() }
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        finish(cancelled: false)
    }

    /// Called under the event loop's lock: when the loop shuts down (a cancelled sleep is finished
    /// already), so the waiting task is resumed from a task of its own.
    func didCancelScheduledCallback(eventLoop: some EventLoop) {
        let pending = state.withLock { state -> Bool in
            if case .done = state { return false }
            return true
        }
        if pending { Task { self.finish(cancelled: true) } }
    }
}

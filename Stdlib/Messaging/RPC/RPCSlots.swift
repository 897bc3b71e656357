import Foundation
import Synchronization

/// Bounds how many requests an ``RPCServer`` runs at once: `acquire()` waits, without blocking a
/// thread, until fewer than `limit` are running.
///
/// The count is an atomic: taking a slot and giving it back cost no lock while slots are free
/// (with a lock, the two were 550 instructions of the 9,600 a call cost the server's receive loop).
/// The lock guards only the waiters, and a release takes it only when it may have one to wake:
/// when it frees the first slot of a full set (the receive loop may wait for it), or the last
/// one once a stop waits for none to be taken.
final class RPCSlots: Sendable {
    private struct Waiters {
        /// The receive loop, waiting for a slot; it is the only caller of ``acquire()``.
        var loop: CheckedContinuation<Void, Never>?
        var idle: [UUID: CheckedContinuation<Void, any Error>] = [:]
    }

    let limit: Int
    /// Slots taken. Raised only by the receive loop (``tryAcquire()``, ``acquire()``) and by a
    /// release handing its slot to the loop, lowered by any release.
    private let running = Atomic<Int>(0)
    private let waiters = Mutex(Waiters())
    /// Set once a stop waited for the slots to drain: from then on, the release of the last slot
    /// looks for it. Sequentially consistent with the count, so that the last release and the
    /// stop's check of the count cannot both miss each other.
    private let drainWaited = Atomic<Bool>(false)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// How many slots are taken now, for tests.
    var taken: Int { running.load(ordering: .acquiring) }

    /// Takes a slot if one is free. Only the receive loop raises the count, so a count below the
    /// limit stays below it until this raises it.
    @inline(__always)
    func tryAcquire() -> Bool {
        guard running.load(ordering: .acquiring) < limit else { return false }
        running.add(1, ordering: .acquiringAndReleasing)
        return true
    }

    /// Takes a slot, waiting for one to be released when all are taken. The receive loop is the
    /// only caller, so waiting needs no queue and no cancellation: stopping the server ends the
    /// handlers, which release their slots. Out of line: its continuation, of a type whose size is
    /// known only at run time, costs the async function that holds it a task allocation.
    @inline(never)
    func acquire() async {
        await withCheckedContinuation { continuation in
            // Checked again once the loop is registered: a release that lowered the count before
            // then found no waiter, and left the slot to this check.
            let now = waiters.withLock { waiters in
                guard running.load(ordering: .acquiring) >= limit else {
                    running.add(1, ordering: .acquiringAndReleasing)
                    return true
                }
                waiters.loop = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Waits until no slot is taken; ends with `CancellationError` when cancelled.
    func drained() async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Cancelled before it registered, the cancellation handler found nothing to end.
                let early: Result<Void, any Error>? = waiters.withLock { waiters in
                    drainWaited.store(true, ordering: .sequentiallyConsistent)
                    if running.load(ordering: .sequentiallyConsistent) == 0 { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    waiters.idle[id] = continuation
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            waiters.withLock { $0.idle.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Gives a slot back, handing it to the receive loop if it waits for one.
    func release() {
        let left = running.subtract(1, ordering: .sequentiallyConsistent).newValue
        // The loop waits only for a full set, so the release that frees its first slot is the
        // one that finds it; a stop that waits for none to be taken has said so first.
        if left == limit - 1 || (left == 0 && drainWaited.load(ordering: .sequentiallyConsistent)) {
            wakeWaiters()
        }
    }

    private func wakeWaiters() {
        let (loop, idle) = waiters.withLock {
            waiters -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, any Error>]) in
            if let loop = waiters.loop {
                waiters.loop = nil
                running.add(1, ordering: .acquiringAndReleasing)
                return (loop, [])
            }
            guard running.load(ordering: .acquiring) == 0, !waiters.idle.isEmpty else { return (nil, []) }
            defer { waiters.idle = [:] }
            return (nil, Array(waiters.idle.values))
        }
        loop?.resume()
        for waiter in idle { waiter.resume() }
    }
}

import Synchronization
import Testing

@testable import GinkgoStdlib

/// `RPCSlots` counts with an atomic and locks only for waiters: a release racing the receive
/// loop's wait must still hand it the slot, and never more than `limit` may be taken.
@Suite(.timeLimit(.minutes(1)))
struct RPCSlotsTests {
    @Test func theLoopWaitsForAFullSetAndGetsTheSlotReleased() async {
        let slots = RPCSlots(limit: 2)
        #expect(slots.tryAcquire() && slots.tryAcquire())
        #expect(!slots.tryAcquire())
        let released = Task {
            // Released while the loop waits, or before it does: either way it gets the slot.
            await Task.yield()
            slots.release()
        }
        await slots.acquire()
        await released.value
        #expect(slots.taken == 2)
        slots.release()
        slots.release()
        #expect(slots.taken == 0)
    }

    /// 20,000 requests through 4 slots, released on Swift's pool as the loop takes them.
    @Test func releasesRacingTheLoopNeverLetMoreThanTheLimitRun() async throws {
        let slots = RPCSlots(limit: 4)
        let counts = Counts()
        await withDiscardingTaskGroup { group in
            for _ in 0..<20_000 {
                if !slots.tryAcquire() { await slots.acquire() }
                let now = counts.running.add(1, ordering: .relaxed).newValue
                counts.most.max(now, ordering: .relaxed)
                group.addTask {
                    counts.running.subtract(1, ordering: .relaxed)
                    slots.release()
                }
            }
            try? await slots.drained()
            #expect(slots.taken == 0)
        }
        #expect(counts.most.load(ordering: .relaxed) <= 4)
        #expect(counts.most.load(ordering: .relaxed) >= 1)
    }

    @Test func drainedWaitsForTheLastReleaseAndEndsWhenCancelled() async throws {
        let slots = RPCSlots(limit: 3)
        try await slots.drained()  // none taken: at once
        #expect(slots.tryAcquire() && slots.tryAcquire())
        let drained = Task { try await slots.drained() }
        slots.release()
        slots.release()
        try await drained.value

        #expect(slots.tryAcquire())
        let cancelled = Task { try await slots.drained() }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        slots.release()
    }
}

/// Requests running now, and the most that ran at once.
private final class Counts: Sendable {
    let running = Atomic<Int>(0)
    let most = Atomic<Int>(0)
}

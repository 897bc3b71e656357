import Synchronization

/// Requests waiting for their replies, by request id. A reply may arrive before its requester
/// starts waiting (the send and the receive run in different tasks), so a slot holds either the
/// waiting continuation or the reply that came first.
final class ReplySlots<Reply: Sendable>: Sendable {
    private enum Slot {
        case open
        case waiting(CheckedContinuation<Reply, any Error>)
        case arrived(Reply)
    }

    private let slots = Mutex<(next: Int, open: [Int: Slot])>((1, [:]))

    /// Opens a slot and returns its id.
    func open() -> Int {
        slots.withLock { slots in
            defer { slots.next += 1 }
            slots.open[slots.next] = .open
            return slots.next
        }
    }

    /// Waits for the reply to `id`; cancelling the task ends the wait with `CancellationError`.
    func wait(for id: Int) async throws -> Reply {
        defer { close(id) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early: Result<Reply, any Error>? = slots.withLock { slots in
                    switch slots.open[id] {
                    case .arrived(let reply): return .success(reply)
                    case .open: slots.open[id] = .waiting(continuation)
                    case .waiting, nil: return .failure(CancellationError())
                    }
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            close(id, with: CancellationError())
        }
    }

    /// Delivers `reply` to `id`; returns `false` when nobody asked (a late reply after a
    /// timeout).
    @discardableResult
    func deliver(_ reply: Reply, to id: Int) -> Bool {
        let waiter: CheckedContinuation<Reply, any Error>?? = slots.withLock { slots in
            switch slots.open[id] {
            case .open:
                slots.open[id] = .arrived(reply)
                return .some(nil)
            case .waiting(let continuation):
                slots.open[id] = nil
                return continuation
            case .arrived, nil:
                return nil
            }
        }
        guard let waiter else { return false }
        waiter?.resume(returning: reply)
        return true
    }

    /// Fails every waiting request with `error`.
    func failAll(_ error: any Error) {
        let waiters = slots.withLock { slots in
            defer { slots.open = [:] }
            return slots.open.values.compactMap { slot -> CheckedContinuation<Reply, any Error>? in
                if case .waiting(let continuation) = slot { return continuation }
                return nil
            }
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    private func close(_ id: Int, with error: (any Error)? = nil) {
        let slot = slots.withLock { $0.open.removeValue(forKey: id) }
        if let error, case .waiting(let continuation) = slot { continuation.resume(throwing: error) }
    }
}

/// Decides, failure by failure, whether a service is restarted (and after what backoff) or the
/// failure escalates to its parent. Pure logic: the owner passes the clock's `now` and performs
/// the action.
struct RestartStateMachine: Sendable {
    enum Action: Equatable {
        case restart(after: Duration)
        case escalate
    }

    private var restarts: [ContinuousClock.Instant] = []

    /// Records a failure at `now` and says what to do about it.
    mutating func failed(at now: ContinuousClock.Instant, limits: RestartLimits) -> Action {
        restarts.removeAll { now - $0 > limits.window }
        guard restarts.count < limits.maxRestarts else {
            restarts.removeAll()
            return .escalate
        }
        let backoff = Self.backoff(attempt: restarts.count, limits: limits)
        restarts.append(now)
        return .restart(after: backoff)
    }

    /// `initialBackoff × 2^attempt`, capped at `maximumBackoff`.
    static func backoff(attempt: Int, limits: RestartLimits) -> Duration {
        var delay = limits.initialBackoff
        for _ in 0..<min(attempt, 32) {
            delay *= 2
            if delay >= limits.maximumBackoff { return limits.maximumBackoff }
        }
        return min(delay, limits.maximumBackoff)
    }
}

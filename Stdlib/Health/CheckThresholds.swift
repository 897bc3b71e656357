/// Turns a check's raw results into its status, damping flaps like Consul's thresholds: the
/// first result decides at once; after that it takes `failures` failures in a row to go down and
/// `successes` successes in a row to come back up.
struct CheckThresholds: Sendable, Hashable {
    let failures: Int
    let successes: Int
    private(set) var status = HealthStatus.unknown
    private var streak = 0

    init(failures: Int, successes: Int) {
        self.failures = max(1, failures)
        self.successes = max(1, successes)
    }

    /// Records one result; returns the new status when it changed.
    mutating func record(passed: Bool) -> HealthStatus? {
        let target: HealthStatus = passed ? .up : .down
        if status == .unknown {
            status = target
            streak = 0
            return target
        }
        guard target != status else {
            streak = 0
            return nil
        }
        streak += 1
        guard streak >= (passed ? successes : failures) else { return nil }
        status = target
        streak = 0
        return target
    }
}

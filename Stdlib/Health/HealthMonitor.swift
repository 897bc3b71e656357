public import Ginkgo
import Synchronization

/// Runs health checks while it runs and keeps their latest results; the overall status is `up`
/// when every check is up. Given an ``Announcer``, it registers the overall health in discovery,
/// so resolvers, RPC clients and work queues skip this instance while it is down.
///
/// ```swift
/// let announcer = Announcer(name: "worker", endpoints: ["rpc": rpcEndpoint])
/// let health = HealthMonitor(checks: [.service(rpcServer), .tcp(host: "127.0.0.1", port: 5432)], announcer: announcer)
/// addService(announcer)
/// addService(health)
/// ```
public final class HealthMonitor: Service, @unchecked Sendable {
    private let makeChecks: @Sendable (Settings) throws -> [HealthCheck]
    private let announcer: @Sendable () -> Announcer?
    private let current = Mutex<State>(State())

    private struct State {
        var checks: [HealthCheck] = []
        var thresholds: [String: CheckThresholds] = [:]
        var results: [String: CheckResult] = [:]
        var overall = HealthStatus.unknown
    }

    /// A monitor of `checks`, reporting into `announcer` when given.
    public convenience init(checks: [HealthCheck], announcer: Announcer? = nil, name: String? = nil) {
        self.init(announcer: { announcer }, name: name) { _ in checks }
    }

    /// A monitor of `checks`, reporting into whichever announcer `announcer` returns when the
    /// health changes (such as the one an ``RPCServer`` creates when it starts).
    public convenience init(
        checks: [HealthCheck],
        announcer: @escaping @Sendable () -> Announcer?,
        name: String? = nil
    ) {
        self.init(announcer: announcer, name: name) { _ in checks }
    }

    /// A monitor of the checks `checks` makes from the settings when the service starts.
    public init(
        announcer: @escaping @Sendable () -> Announcer? = { nil },
        name: String? = nil,
        checks: @escaping @Sendable (Settings) throws -> [HealthCheck]
    ) {
        self.makeChecks = checks
        self.announcer = announcer
        super.init(name: name ?? "health")
    }

    /// `up` when every check is up (or there are none), `down` when one is down, `unknown`
    /// before the first results.
    public var status: HealthStatus { current.withLock { $0.overall } }

    /// The latest result of each check, by name.
    public var results: [String: CheckResult] { current.withLock { $0.results } }

    override public func doStart() async throws {
        let checks = try makeChecks(settings)
        current.withLock { state in
            state = State(checks: checks, overall: checks.isEmpty ? .up : .unknown)
            for check in checks {
                state.thresholds[check.name] = CheckThresholds(failures: check.failures, successes: check.successes)
            }
        }
        for check in checks {
            spawn { try await self.run(check) }
        }
    }

    private func run(_ check: HealthCheck) async throws {
        while true {
            let start = ContinuousClock.now
            var output: String
            var passed: Bool
            do {
                let said = try await withTimeout(check.timeout) { try await check.probe() }
                output = said ?? "failed"
                passed = said != nil
            } catch is TimeoutError {
                (output, passed) = ("no answer within \(check.timeout)", false)
            } catch is CancellationError {
                return
            } catch {
                (output, passed) = ("\(error)", false)
            }
            try Task.checkCancellation()
            let duration = ContinuousClock.now - start
            await record(check, passed: passed, output: output, duration: duration)
            try await Task.sleep(for: check.interval)
        }
    }

    private func record(_ check: HealthCheck, passed: Bool, output: String, duration: Duration) async {
        let (changed, overall) = current.withLock { state -> (HealthStatus?, HealthStatus?) in
            var thresholds = state.thresholds[check.name]!
            let changed = thresholds.record(passed: passed)
            state.thresholds[check.name] = thresholds
            let milliseconds =
                Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000
            state.results[check.name] = CheckResult(
                status: thresholds.status,
                output: output,
                durationMilliseconds: milliseconds,
                time: .now
            )
            let statuses = state.checks.map { state.thresholds[$0.name]!.status }
            let overall: HealthStatus =
                statuses.contains(.down) ? .down : statuses.contains(.unknown) ? .unknown : .up
            guard overall != state.overall else { return (changed, nil) }
            state.overall = overall
            return (changed, overall)
        }
        if let changed {
            let message = "Check \"\(check.name)\" is \(changed): \(output)"
            if changed == .down { logger.warning("\(message)") } else { logger.info("\(message)") }
        }
        if let overall, overall != .unknown {
            await announcer()?.setHealth(overall == .up ? .healthy : .unhealthy)
        }
    }
}

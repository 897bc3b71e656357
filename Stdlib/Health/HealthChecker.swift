public import Ginkgo

/// Checks another program's endpoints and reports its health into discovery — for programs that
/// are not Ginkgo daemons, the way Consul checks external services. Runnable from settings:
///
/// ```
/// ginkgo HealthChecker --set announce.name=legacy --set announce.endpoints=http=http://127.0.0.1:8080 \
///     --set health.checks=http://127.0.0.1:8080/ping,tcp://127.0.0.1:5432
/// ```
/// `health.checks` lists `tcp://HOST:PORT` (a connection opens), `http://…` or `https://…` (a
/// GET answers 2xx) and `zmq:tcp://HOST:PORT` (a messaging heartbeat is answered). Each runs every
/// `health.interval`, within `health.timeout`, turning down after `health.failures` failures in a
/// row and up again after `health.successes` successes. The instance is registered (from the
/// `announce.*` settings) with the overall health, and deregistered when the checker stops.
public final class HealthChecker: Service, RunnableService, @unchecked Sendable {
    static let checks = Setting<[String]>(
        "health.checks",
        default: [],
        help: "Checks: tcp://HOST:PORT, http(s)://URL, zmq:tcp://HOST:PORT"
    )
    static let interval = Setting(
        "health.interval",
        default: Duration.seconds(5),
        help: "Time between two runs of a check"
    )
    static let timeout = Setting(
        "health.timeout",
        default: Duration.seconds(2),
        help: "How long one run of a check may take"
    )
    static let failures = Setting("health.failures", default: 3, help: "Failures in a row that turn a check down")
    static let successes = Setting(
        "health.successes",
        default: 2,
        help: "Successes in a row that bring a check back up"
    )

    // Declared per instance as well, so that `--help` and validation list them.
    private let checksSetting = checks
    private let intervalSetting = interval
    private let timeoutSetting = timeout
    private let failuresSetting = failures
    private let successesSetting = successes

    /// The monitor running the checks.
    public let monitor: HealthMonitor

    /// A checker configured by its settings.
    public required init() {
        let announcer = Announcer()
        monitor = HealthMonitor(announcer: { announcer }) { settings in
            try settings.value(of: Self.checks).map { try Self.check($0, settings: settings) }
        }
        super.init(name: "healthchecker")
        addService(announcer)
        addService(monitor)
    }

    static func check(_ specification: String, settings: Settings) throws -> HealthCheck {
        let check: HealthCheck
        if specification.hasPrefix("http://") || specification.hasPrefix("https://") {
            check = .http(url: specification)
        } else if specification.hasPrefix("zmq:") {
            check = .zeroMQ(endpoint: String(specification.dropFirst(4)))
        } else if specification.hasPrefix("tcp://"),
            let colon = specification.lastIndex(of: ":"),
            let port = Int(specification[specification.index(after: colon)...]),
            case let host = String(specification[specification.index(specification.startIndex, offsetBy: 6)..<colon]),
            !host.isEmpty
        {
            check = .tcp(host: host, port: port)
        } else {
            throw SettingError(
                key: checks.key,
                source: (try? settings.lookup(checks).source) ?? .default,
                reason: "\"\(specification)\" is not tcp://HOST:PORT, http(s)://URL or zmq:tcp://HOST:PORT"
            )
        }
        return check.with(
            interval: settings.value(of: interval),
            timeout: settings.value(of: timeout),
            failures: settings.value(of: failures),
            successes: settings.value(of: successes)
        )
    }
}

import Ginkgo
import NIOCore

/// Where the handlers of a network service run: Swift's global concurrent executor, or the
/// SwiftNIO event loop that serves the connection, used as a task executor.
///
/// On the event loops a handler's reads and writes need no thread hop, at the price of running
/// user code on an I/O thread: keep handlers non-blocking. Set it per service in its
/// configuration, or for the whole process with the `net.executor` setting:
/// ```
/// quickstart HelloWorldServer --set net.executor=global
/// ```
public enum NetExecutor: String, Sendable, CaseIterable {
    /// Swift's global concurrent executor: for handlers that may block.
    case global
    /// The connection's SwiftNIO event loop, as a task executor (the default: in the benchmarks'
    /// TCP echo it serves more messages per CPU second than `global`, with no thread hop per read).
    case eventLoops

    /// The `net.executor` setting: `eventLoops` (the default) or `global`.
    public static let setting = Setting(
        "net.executor",
        default: "eventLoops",
        help: "Where network handlers run: eventLoops (SwiftNIO's, the default) or global (Swift's concurrent executor)"
    )

    /// The executor `configured` names, else the one the `net.executor` setting names; an unknown
    /// name is logged and the default used.
    static func resolve(_ configured: NetExecutor?, in service: Ginkgo.Service) -> NetExecutor {
        if let configured { return configured }
        let name = service.settings.value(of: setting)
        if let executor = NetExecutor(rawValue: name) { return executor }
        service.logger.warning(
            "Unknown net.executor; using \(setting.defaultValue).",
            metadata: ["value": "\(name)", "allowed": "\(allCases.map(\.rawValue))"]
        )
        return NetExecutor(rawValue: setting.defaultValue) ?? .eventLoops
    }

    /// The task executor to prefer for work on `eventLoop`, or `nil` for the global executor.
    func taskExecutor(for eventLoop: any EventLoop) -> (any TaskExecutor)? {
        switch self {
        case .global: nil
        case .eventLoops: EventLoopTaskExecutor(group: eventLoop)
        }
    }
}

/// Runs task jobs on SwiftNIO event loops: on one loop when given a loop; when given a group, on
/// the calling loop if enqueued from one of its loops (so work started by a read stays on that
/// read's loop), else on the group's next loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let group: any EventLoopGroup

    init(group: any EventLoopGroup) {
        self.group = group
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        group.any().execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

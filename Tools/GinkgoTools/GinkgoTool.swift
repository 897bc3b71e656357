public import Ginkgo
import GinkgoStdlib

/// The `ginkgo` tool: the runner and manager over every stock service, plus the commands that
/// look into a running system.
///
/// ```
/// ginkgo Registry                                  # run a stock service
/// ginkgo registry.yaml                             # ... configured by a file
/// ginkgo ctl registry.yaml start                   # ... as a daemon (ginkgoctl registry.yaml start)
/// ginkgo discover [NAME]                           # list registered instances
/// ginkgo call NAME METHOD JSON                     # call a method of a service found by discovery
/// ginkgo BusProxy                                  # the message bus's proxy, announced as bus
/// ```
public enum GinkgoTool {
    /// The stock services `ginkgo` runs by name.
    public static let services: [any RunnableService.Type] = [
        Registry.self, Announcer.self, HealthChecker.self, RPCEcho.self, RPCGateway.self, BusProxy.self,
    ]

    /// The version the tools print.
    public static let version = "0.1.0"

    /// The runner behind `ginkgo` and `ginkgoctl`.
    public static var runner: Runner {
        Runner(services: services, version: version, commands: [DiscoverCommand.command, CallCommand.command])
    }
}

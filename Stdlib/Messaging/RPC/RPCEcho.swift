public import Ginkgo
import Foundation

/// A diagnostic RPC service, like gRPC's echo service: `echo` answers with its parameters, and
/// `whoami` with the instance that answered.
///
/// ```
/// ginkgo RPCEcho --set rpc.name=echo              # announced as echo, on a free port
/// ginkgo call echo echo '{"hello":"world"}'       # {"hello":"world"}
/// ginkgo call echo whoami '{}'                    # {"host":"vm","id":"vm-4242","pid":4242}
/// ```
/// It announces itself through discovery (settings `discovery.*`, `announce.*`) with the endpoint
/// `rpc`; its ``RPCServer`` has the settings `rpc.name` (default `echo`), `rpc.endpoint` (default
/// `tcp://127.0.0.1:*`, a free port), `rpc.concurrency` and `rpc.max_message_size`.
public final class RPCEcho: Service, RunnableService, @unchecked Sendable {
    /// What `whoami` answers.
    public struct Identity: Codable, Sendable, Hashable {
        /// The instance id announced in discovery.
        public var id: String
        /// The host name.
        public var host: String
        /// The process id.
        public var pid: Int
    }

    /// The server, with `echo` and `whoami` registered.
    public let server: RPCServer

    /// An echo service configured by the settings.
    public required init() {
        // A child of its own (not the announcer's), so that `--help` lists the discovery settings.
        let discovery = Discovery()
        server = RPCServer(name: "echo", discovery: discovery)
        super.init(name: "rpcecho")
        addService(discovery)
        addService(server)
        server.handle("echo", json: { $0 })
        server.handle("whoami") { [server] in
            let host = ProcessInfo.processInfo.hostName
            let pid = Int(getpid())
            return Identity(id: server.announcer?.instance?.id ?? "\(host)-\(pid)", host: host, pid: pid)
        }
    }
}

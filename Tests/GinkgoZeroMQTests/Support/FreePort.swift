import GinkgoZeroMQ
import TestSupport

/// A `tcp://127.0.0.1:PORT` endpoint whose port was free a moment ago, for services that must
/// bind the same port again after a restart: a port below the kernel's ephemeral range
/// (`freeLoopbackPort()`), where no other socket, and no peer's reconnection attempt connecting
/// to itself, takes it while the service is down.
func freeEndpoint() throws -> String {
    "tcp://127.0.0.1:\(try freeLoopbackPort())"
}

import GinkgoZeroMQ

/// A `tcp://127.0.0.1:PORT` endpoint whose port was free a moment ago, for services that must
/// bind the same port again after a restart.
func freeEndpoint() throws -> String {
    let probe = try Socket(.pull)
    defer { probe.close() }
    try probe.setOption(.linger, .zero)
    try probe.bind("tcp://127.0.0.1:*")
    let endpoint = probe.lastEndpoint!
    try probe.unbind(endpoint)
    return endpoint
}

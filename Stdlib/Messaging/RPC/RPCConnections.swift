/// An ``RPCClient``'s connections by instance id, with the last one found kept beside the
/// dictionary: consecutive calls mostly go to the same instance, which then costs a comparison of
/// its id instead of hashing it.
struct RPCConnections {
    private var byInstance: [String: RPCConnection] = [:]
    private var last: RPCConnection?

    /// The connection of `instance`, if there is one.
    mutating func callAsFunction(_ instance: String) -> RPCConnection? {
        if let last, last.instance == instance { return last }
        last = byInstance[instance]
        return last
    }

    /// Sets the connection of `instance`; returns the one it replaces.
    mutating func set(_ connection: RPCConnection, for instance: String) -> RPCConnection? {
        last = nil
        return byInstance.updateValue(connection, forKey: instance)
    }

    /// Removes the connection of `instance`; returns it.
    mutating func remove(_ instance: String) -> RPCConnection? {
        last = nil
        return byInstance.removeValue(forKey: instance)
    }
}

/// Waits until `condition` holds, checking every 20 ms, at most `timeout`: for states that
/// change without telling anyone (a lease expiring in another process, a channel that stopped
/// reading); shared by the test targets.
nonisolated(nonsending) public func eventually(
    timeout: Duration = .seconds(15),
    _ what: String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw EventuallyTimeout(description: "timed out after \(timeout) waiting for \(what)")
}

public struct EventuallyTimeout: Error, CustomStringConvertible {
    public let description: String
}

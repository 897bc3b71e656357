import Ginkgo

/// Waits until `condition` holds, checking every 20 ms, at most `timeout`: for states that
/// change without telling anyone (a lease expiring in another process).
func eventually(
    timeout: Duration = .seconds(15),
    _ what: String,
    _ condition: @escaping @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw EventuallyTimeout(description: "timed out after \(timeout) waiting for \(what)")
}

struct EventuallyTimeout: Error, CustomStringConvertible {
    let description: String
}

import Synchronization

/// A flag tasks share: set once, read from anywhere.
public final class Flag: Sendable {
    private let state = Mutex(false)

    public init() {}

    public var isSet: Bool { state.withLock { $0 } }

    public func set() { state.withLock { $0 = true } }
}

/// One change to the instances of a service name, as a watch reports it.
///
/// ```swift
/// for try await change in resolver.watch("echo") {
///     print(change.kind, change.instance.id)  // added echo-1
/// }
/// ```
public struct DiscoveryChange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What happened to the instance.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// It was registered.
        case added
        /// It was deregistered, or its lease expired.
        case removed
        /// Its health changed; ``DiscoveryChange/instance`` has the new health.
        case health
        /// It registered again with other endpoints, tags or metadata.
        case updated
    }

    /// What happened.
    public var kind: Kind
    /// The instance as it is now (as it was last, for ``Kind/removed``).
    public var instance: ServiceInstance

    /// A change.
    public init(_ kind: Kind, _ instance: ServiceInstance) {
        self.kind = kind
        self.instance = instance
    }

    /// `kind name/id (health)`.
    public var description: String { "\(kind.rawValue) \(instance.key) (\(instance.health))" }

    /// The changes that turn `old` into `new`, for instances of one name: removals first, then
    /// the additions, health changes and updates, in id order.
    public static func changes(from old: [ServiceInstance], to new: [ServiceInstance]) -> [DiscoveryChange] {
        let before = Dictionary(old.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        let after = Dictionary(new.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        var changes: [DiscoveryChange] = []
        for id in before.keys.sorted() where after[id] == nil {
            changes.append(DiscoveryChange(.removed, before[id]!))
        }
        for id in after.keys.sorted() {
            let instance = after[id]!
            guard let previous = before[id] else {
                changes.append(DiscoveryChange(.added, instance))
                continue
            }
            if previous.health != instance.health {
                changes.append(DiscoveryChange(.health, instance))
            }
            var sameHealth = previous
            sameHealth.health = instance.health
            if sameHealth != instance {
                changes.append(DiscoveryChange(.updated, instance))
            }
        }
        return changes
    }
}

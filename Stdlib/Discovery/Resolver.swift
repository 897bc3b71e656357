public import Ginkgo
import Synchronization

/// Looks service names up in discovery: ``resolve(_:tag:)`` returns the healthy instances of a
/// name, and ``watch(_:)`` yields every change to them.
///
/// ```swift
/// let resolver = Resolver()
/// try await resolver.start()
/// let echoes = try await resolver.resolve("echo")
/// for try await change in resolver.watch("echo") { print(change) }  // added echo/box-1234 (healthy)
/// ```
/// The first `resolve` of a name asks the backend and then watches the name, so later calls
/// answer from memory, kept current by the watch. While the backend is unreachable the resolver
/// answers from the last instances it knew, and says so in its log.
public final class Resolver: Service, @unchecked Sendable {
    private let discovery: Discovery
    private let cache = Mutex<[String: Entry]>([:])

    private struct Entry {
        var instances: [String: ServiceInstance] = [:]
        /// Whether the watch has delivered its first snapshot.
        var current = false
    }

    /// A resolver through `discovery` (its own, configured by the settings, when `nil`).
    public init(discovery: Discovery? = nil, name: String? = nil) {
        self.discovery = discovery ?? Discovery()
        super.init(name: name ?? "resolver")
        if discovery == nil { addService(self.discovery) }
    }

    override public func doStop() async throws {
        cache.withLock { $0 = [:] }
    }

    /// The healthy instances of `name` (with `tag`, if given), in id order.
    ///
    /// - Throws: ``DiscoveryError`` when the backend cannot be asked and nothing is known of the
    ///   name yet.
    public func resolve(_ name: String, tag: String? = nil) async throws -> [ServiceInstance] {
        let known = cache.withLock { $0[name] }
        let instances: [ServiceInstance]
        if let known, known.current {
            instances = Array(known.instances.values)
        } else {
            do {
                instances = try await discovery.backend.instances(named: name)
                let watching = cache.withLock { cache in
                    let watching = cache[name] != nil
                    if cache[name]?.current != true { cache[name] = Entry(instances: Self.byID(instances)) }
                    return watching
                }
                if !watching { spawn { try await self.follow(name) } }
            } catch {
                guard let known else { throw error }
                logger.warning("Discovery unreachable (\(error)); answering \(name) from the last known instances.")
                instances = Array(known.instances.values)
            }
        }
        return instances.filter { $0.health == .healthy && (tag == nil || $0.tags.contains(tag!)) }
            .sorted { $0.id < $1.id }
    }

    /// Every change to the instances of `name`: first an `added` for each instance there is, then
    /// each change as it happens — including those found by comparing snapshots after the
    /// backend resynchronised, so nothing is missed or reported twice. Ends when the calling task
    /// is cancelled.
    public func watch(_ name: String) -> AsyncThrowingStream<DiscoveryChange, any Error> {
        let discovery = self.discovery
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var known: [ServiceInstance] = []
                    for try await update in try discovery.backend.watch(name) {
                        switch update {
                        case .snapshot(let instances):
                            for change in DiscoveryChange.changes(from: known, to: instances) {
                                continuation.yield(change)
                            }
                            known = instances
                        case .change(let change):
                            known.removeAll { $0.id == change.instance.id }
                            if change.kind != .removed { known.append(change.instance) }
                            continuation.yield(change)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Keeps the cached instances of `name` current while the resolver runs.
    private func follow(_ name: String) async throws {
        for try await update in try discovery.backend.watch(name) {
            cache.withLock { cache in
                var entry = cache[name] ?? Entry()
                switch update {
                case .snapshot(let instances):
                    entry.instances = Self.byID(instances)
                    entry.current = true
                case .change(let change):
                    entry.instances[change.instance.id] = change.kind == .removed ? nil : change.instance
                }
                cache[name] = entry
            }
        }
    }

    private static func byID(_ instances: [ServiceInstance]) -> [String: ServiceInstance] {
        Dictionary(instances.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
    }
}

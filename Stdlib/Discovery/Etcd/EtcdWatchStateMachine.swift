/// What a watch of one service name knows: its instances and the etcd revision they are at.
///
/// A plain value with no I/O: the owner lists the name and streams `/v3/watch`, hands each
/// answer in, yields the updates returned and does what the action says.
struct EtcdWatchStateMachine {
    /// What the owner does next.
    enum Action: Equatable {
        /// Go on reading the stream (or resume it from ``startRevision`` when it ended).
        case keepReading
        /// Stop reading, list the name again and stream from the new snapshot.
        case resynchronise(reason: String)
    }

    /// The outcome of one answer.
    struct Output {
        /// For the watcher, in order.
        var updates: [WatchUpdate] = []
        /// Keys under the name that do not hold an instance: to log, then ignore.
        var unreadable: [EtcdKeyspace.Unreadable] = []
        /// What to do next.
        var action: Action = .keepReading
    }

    /// The watched service name.
    let name: String
    private let keyspace: EtcdKeyspace
    private var instances: [String: ServiceInstance] = [:]
    /// Every change up to this revision is known; `nil` until a snapshot, and after the watch
    /// was canceled.
    private(set) var revision: Int64?

    init(name: String, keyspace: EtcdKeyspace) {
        self.name = name
        self.keyspace = keyspace
    }

    /// Where a watch stream starts: just after ``revision``; `nil` when a snapshot is needed.
    var startRevision: Int64? { revision.map { $0 + 1 } }

    /// Replaces what is known with a listing of the name.
    mutating func snapshot(_ listing: EtcdRangeResponse) -> Output {
        var output = Output()
        instances = [:]
        for pair in listing.kvs ?? [] {
            switch keyspace.instance(key: pair.key, value: pair.value) {
            case .success(let instance): instances[instance.id] = instance
            case .failure(let unreadable): output.unreadable.append(unreadable)
            }
        }
        revision = listing.header?.revision?.value ?? 0
        output.updates = [.snapshot(instances.values.sorted { $0.id < $1.id })]
        return output
    }

    /// Applies one message of the watch stream.
    mutating func receive(_ response: EtcdWatchResponse) -> Output {
        var output = Output()
        if response.canceled == true {
            revision = nil
            if let compacted = response.compactRevision?.value, compacted > 0 {
                output.action = .resynchronise(reason: "etcd compacted its history up to revision \(compacted)")
            } else {
                output.action = .resynchronise(
                    reason: "etcd canceled the watch: \(response.cancelReason ?? "no reason given")"
                )
            }
            return output
        }
        let events = response.events ?? []
        if events.isEmpty, response.created != true, let revision, let current = response.header?.revision?.value {
            // A progress notification: nothing happened to the name up to `current`.
            self.revision = max(revision, current)
        }
        for event in events {
            // The header's revision may run ahead of a batch of events, so only an event's own
            // revision says how far the watcher is.
            if let changed = event.kv.modRevision?.value { revision = max(revision ?? 0, changed) }
            guard let key = keyspace.instanceKey(event.kv.key), key.name == name else { continue }
            let previous = instances[key.id]
            let current: ServiceInstance?
            if event.isDelete {
                current = nil
            } else {
                switch keyspace.instance(key: event.kv.key, value: event.kv.value) {
                case .success(let instance):
                    current = instance
                case .failure(let unreadable):
                    output.unreadable.append(unreadable)
                    current = nil
                }
            }
            instances[key.id] = current
            let changes = DiscoveryChange.changes(from: previous.map { [$0] } ?? [], to: current.map { [$0] } ?? [])
            output.updates += changes.map(WatchUpdate.change)
        }
        return output
    }
}

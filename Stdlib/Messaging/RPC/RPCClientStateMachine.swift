import Ginkgo
import GinkgoZeroMQ

/// The bookkeeping of an ``RPCClient``, without sockets or clocks: which instances there are and
/// whether they answer, which calls are in flight where, and what to do when time passes or a
/// message arrives. Each method returns the actions its owner performs (send, finish a call,
/// connect, disconnect).
///
/// Each call holds its `Waiter` (the caller's continuation, for the client), which the action
/// that finishes it hands back: no table of waiters beside the calls.
struct RPCClientStateMachine<Waiter> {
    struct Configuration {
        /// How many instances one call may be sent to.
        var maxAttempts: Int
        /// How often each instance is probed.
        var heartbeatInterval: Duration
        /// An instance not heard from for this many intervals is taken for dead.
        var liveness: Int
    }

    enum Action {
        /// Open a DEALER to `endpoint` for `instance`.
        case connect(instance: String, endpoint: String)
        /// Close the DEALER of `instance`.
        case disconnect(instance: String)
        /// Send call `id` of `method` to `instance`: a call moved there (a new call's instance is
        /// what ``startCall(_:waiter:method:payload:deadline:now:into:)`` returns).
        case call(instance: String, id: UInt64, method: String, payload: [UInt8])
        /// Send a message to `instance` (a heartbeat). Indirect: its envelope is five strings, and
        /// inline it made every action twice the size of a call's, each move of one of the many
        /// actions per call twice the work.
        indirect case send(instance: String, header: MessagingEnvelope, payload: [UInt8])
        /// End the call `waiter` waits for.
        case finish(Waiter, Result<[UInt8], MessagingError>)
        /// Worth a log line: an instance went quiet or came back.
        case log(String)
    }

    struct Instance {
        var endpoint: String
        /// Discovery says it is healthy.
        var healthy: Bool
        /// It answered within the liveness window.
        var alive = true
        /// It refused a call because it is stopping (and has not answered a heartbeat since).
        var stopping = false
        /// The calls in flight on it: those whose `instance` it is. A count, not a set: which
        /// they are matters only when it goes, and a set cost every call two hashes and a rehash.
        var load = 0
        var lastHeard: MonotonicInstant
        var lastProbe: MonotonicInstant?
    }

    struct Call {
        var waiter: Waiter
        var method: String
        var payload: [UInt8]
        var deadline: MonotonicInstant
        var instance: String?
        var tried = Tried()
    }

    /// The instances a call was sent to, in order. The first is kept inline: most calls are sent
    /// once, and an array would cost each of them an allocation.
    struct Tried {
        private var first: String?
        private var more: [String] = []

        var isEmpty: Bool { first == nil }
        var count: Int { first == nil ? 0 : 1 + more.count }
        var names: [String] { first.map { [$0] + more } ?? [] }

        func contains(_ name: String) -> Bool { first == name || more.contains(name) }

        mutating func append(_ name: String) {
            if first == nil { first = name } else { more.append(name) }
        }
    }

    let configuration: Configuration
    private(set) var instances: [String: Instance] = [:]
    /// The calls in flight, by id.
    private var inFlight: [CallID: Call] = [:]
    private var nextProbe: UInt64 = 0
    private var rotation = 0

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The calls in flight, by id (for tests: a new dictionary each time).
    var calls: [UInt64: Call] {
        Dictionary(uniqueKeysWithValues: inFlight.lazy.map { ($0.key.raw, $0.value) })
    }

    /// The instances that may get new calls: healthy in discovery and answering.
    var usable: [String] {
        instances.filter { $0.value.healthy && $0.value.alive }.keys.sorted()
    }

    // MARK: Discovery

    /// An instance appeared, or changed its endpoint or health.
    mutating func instanceSeen(_ id: String, endpoint: String, healthy: Bool, now: MonotonicInstant) -> [Action] {
        if var known = instances[id], known.endpoint == endpoint {
            known.healthy = healthy
            instances[id] = known
            return []
        }
        var actions = instanceRemoved(id, now: now)
        instances[id] = Instance(endpoint: endpoint, healthy: healthy, lastHeard: now)
        actions.insert(.connect(instance: id, endpoint: endpoint), at: 0)
        return actions
    }

    /// An instance left discovery: its calls go elsewhere.
    mutating func instanceRemoved(_ id: String, now: MonotonicInstant) -> [Action] {
        guard instances.removeValue(forKey: id) != nil else { return [] }
        return [.disconnect(instance: id)]
            + reroute(callsOn(id), from: id, reason: "\(id) left discovery", now: now)
    }

    // MARK: Calls

    /// A new call: placed on the least busy usable instance, whose id it returns for the caller
    /// to send the call to; or failed when there is none (a `finish` action). Returned rather
    /// than made an action: the send of every call then copies no method or payload into an
    /// action and takes none out (about 600 instructions of a call on the client's reactor).
    mutating func startCall(
        _ id: UInt64,
        waiter: Waiter,
        method: String,
        payload: [UInt8],
        deadline: MonotonicInstant,
        now: MonotonicInstant,
        into actions: inout [Action]
    ) -> String? {
        // Placed before it is stored: one hash of its id, not two.
        var call = Call(waiter: waiter, method: method, payload: payload, deadline: deadline)
        guard let instance = dispatch(id, &call, reason: nil, into: &actions) else { return nil }
        inFlight[CallID(id)] = consume call
        return instance
    }

    /// The caller gave up (cancelled): forget the call, and return its waiter if it was still in
    /// flight; a late reply is ignored.
    mutating func cancel(_ id: UInt64) -> Waiter? {
        inFlight.index(forKey: CallID(id)).map { forget(at: $0).waiter }
    }

    /// Removes a call and counts it off its instance: through `answeredBy`, the index of the
    /// instance that answered, when it is that one (no hash of its name), else by name.
    private mutating func forget(
        at index: Dictionary<CallID, Call>.Index,
        answeredBy answerer: Dictionary<String, Instance>.Index? = nil
    ) -> Call {
        let call = inFlight.remove(at: index).value
        guard let instance = call.instance else { return call }
        if let answerer, instances.keys[answerer] == instance {
            instances.values[answerer].load -= 1
        } else {
            instances.modifyValue(forKey: instance) { $0.load -= 1 }
        }
        return call
    }

    /// The calls in flight on `instance`, in the order they were made.
    private func callsOn(_ instance: String) -> [UInt64] {
        inFlight.compactMap { $0.value.instance == instance ? $0.key.raw : nil }.sorted()
    }

    /// What an instance sent: its kind, and for a reply or error the call's id (its header's
    /// `id`, when that is a call's) and the payload. A struct, not a tuple: the runtime destroyed
    /// an array of tuples element by element through the tuple's type metadata, 345 instructions
    /// per answer when the receiver emptied its burst's answers.
    struct Answer {
        var kind: MessagingEnvelope.Kind
        var callID: UInt64?
        var payload: [UInt8]
    }

    /// Messages from `instance`, in the order they came: anything heard proves it alive; a reply
    /// or error ends its call. The instance is looked up once for them all, and a call it ends is
    /// counted off it through that lookup.
    mutating func received(
        from id: String,
        _ answers: some Sequence<Answer>,
        now: MonotonicInstant,
        into actions: inout [Action]
    ) {
        // Changed in place: reading a field through `Dictionary.Values`' subscript copies the
        // whole instance. The index stays valid: nothing below adds or removes an instance.
        guard let index = instances.index(forKey: id) else { return }
        if Self.heard(&instances.values[index], now: now) {
            actions.append(.log("\(id) answers again"))
        }
        for answer in answers {
            let (kind, callID, payload) = (answer.kind, answer.callID, answer.payload)
            guard kind == .reply || kind == .error, let callID else { continue }
            // The first answer wins; one from an instance tried earlier is as good as any.
            guard let call = inFlight.index(forKey: CallID(callID)) else { continue }
            if kind == .reply {
                actions.append(.finish(forget(at: call, answeredBy: index).waiter, .success(payload)))
                continue
            }
            let error = RPCCoding.error(from: payload, method: inFlight.values[call].method)
            guard error.code == .unavailable else {
                actions.append(.finish(forget(at: call, answeredBy: index).waiter, .failure(error)))
                continue
            }
            // A server that is stopping refuses calls: it gets no more, and this one goes
            // elsewhere.
            if inFlight.values[call].instance == id {
                Self.refused(&instances.values[index])
                actions.append(.log("\(id) refused a call (\(error.message)); calling the others"))
                actions += reroute([callID], from: nil, reason: error.message, now: now)
            }
        }
    }

    /// Notes that `instance` refused a call because it is stopping.
    private static func refused(_ instance: inout Instance) {
        instance.alive = false
        instance.stopping = true
        instance.load -= 1
    }

    /// Notes that `instance` was heard from; returns whether it had been taken for dead. Takes
    /// the instance `inout`: reading a field through `Dictionary.Values`' subscript copies the
    /// whole instance first.
    private static func heard(_ instance: inout Instance, now: MonotonicInstant) -> Bool {
        instance.lastHeard = now
        guard !instance.alive else { return false }
        instance.alive = true
        instance.stopping = false
        return true
    }

    /// Time passed: expire calls, probe instances, and give up on those that stopped answering.
    mutating func tick(now: MonotonicInstant) -> [Action] {
        var actions: [Action] = []
        for (id, call) in inFlight where call.deadline <= now {
            inFlight[id] = nil
            if let instance = call.instance { instances.modifyValue(forKey: instance) { $0.load -= 1 } }
            let place = call.instance.map { " (sent to \($0))" } ?? ""
            actions.append(
                .finish(
                    call.waiter,
                    .failure(MessagingError(.timeout, "\(call.method): no answer within the timeout\(place)"))
                )
            )
        }
        let window = configuration.heartbeatInterval * configuration.liveness
        for id in instances.keys.sorted() {
            guard var instance = instances[id] else { continue }
            // Silent too long: dead, and its calls go elsewhere — also those it had when it said
            // it was stopping, in case it closed before answering them.
            if now - instance.lastHeard > window, instance.alive || instance.load > 0 {
                if instance.alive {
                    actions.append(.log("\(id) has not answered for \(now - instance.lastHeard); taking it for dead"))
                }
                instance.alive = false
                instances[id] = instance
                actions += reroute(
                    callsOn(id),
                    from: id,
                    reason: "\(id) stopped answering heartbeats",
                    keepWhenStuck: true,
                    now: now
                )
                instance = instances[id] ?? instance
            }
            if instance.lastProbe.map({ now - $0 >= configuration.heartbeatInterval }) ?? true {
                instance.lastProbe = now
                nextProbe += 1
                actions.append(
                    .send(instance: id, header: MessagingEnvelope(kind: .heartbeat, id: "hb-\(nextProbe)"), payload: [])
                )
            }
            instances[id] = instance
        }
        return actions
    }

    /// Everything in flight ends with `error` (the client stops).
    mutating func failAll(_ error: MessagingError) -> [Action] {
        defer {
            inFlight = [:]
            for index in instances.indices { instances.values[index].load = 0 }
        }
        return inFlight.sorted { $0.key.raw < $1.key.raw }.map { .finish($0.value.waiter, .failure(error)) }
    }

    // MARK: Placing calls

    /// Sends the calls that were in flight on an instance that is gone to another one, or fails
    /// them with `unavailable` after their last attempt.
    ///
    /// With `keepWhenStuck` (an instance that is only silent), a call with nowhere else to go stays
    /// where it is: the instance may just be slow, and the call's timeout still ends it.
    private mutating func reroute(
        _ ids: [UInt64],
        from instance: String?,
        reason: String,
        keepWhenStuck: Bool = false,
        now: MonotonicInstant
    ) -> [Action] {
        if let instance { instances.modifyValue(forKey: instance) { $0.load = 0 } }
        var actions: [Action] = []
        for id in ids {
            if keepWhenStuck, let instance, usable.isEmpty {
                instances.modifyValue(forKey: instance) { $0.load += 1 }
                continue
            }
            guard var call = inFlight.removeValue(forKey: CallID(id)) else { continue }
            call.instance = nil
            guard let placed = dispatch(id, &call, reason: reason, into: &actions) else { continue }
            actions.append(.call(instance: placed, id: id, method: call.method, payload: call.payload))
            inFlight[CallID(id)] = call
        }
        return actions
    }

    /// Places `call` on the least busy instance it was not sent to yet, and returns that
    /// instance's id; `nil` when the call ended instead (no instance, or its last attempt), with
    /// its failure.
    private mutating func dispatch(
        _ id: UInt64,
        _ call: inout Call,
        reason: String?,
        into actions: inout [Action]
    ) -> String? {
        rotation &+= 1
        // An instance that only went quiet may be slow rather than gone (a stalled machine, a
        // long pause): with no answering instance left, a call still goes to one of those and
        // its timeout bounds it, instead of failing at once. One that said it is stopping gets
        // none.
        let chosen =
            leastBusy(after: call.tried) { healthy, alive, _ in healthy && alive }
            ?? leastBusy(after: call.tried) { healthy, alive, stopping in healthy && !alive && !stopping }
        guard call.tried.count < configuration.maxAttempts, let index = chosen else {
            let why = chosen == nil ? "no instance answers" : "tried \(call.tried.names.joined(separator: ", "))"
            let message = [reason, why].compactMap { $0 }.joined(separator: "; ")
            actions.append(.finish(call.waiter, .failure(MessagingError(.unavailable, "\(call.method): \(message)"))))
            return nil
        }
        // Through the index found: no hash of the instance's name.
        let instance = instances.keys[index]
        instances.values[index].load += 1
        call.instance = instance
        call.tried.append(instance)
        return instance
    }

    private static func standing(
        _ instance: inout Instance
    ) -> (healthy: Bool, alive: Bool, stopping: Bool, load: Int) {
        (instance.healthy, instance.alive, instance.stopping, instance.load)
    }

    /// In one pass, without building lists (this runs for every call): among the instances that
    /// `include` admits (given `healthy`, `alive` and `stopping`), the index of the one with the
    /// fewest calls in flight, preferring those not `tried`; ties take turns. It walks indices, so
    /// that a key is copied only for the instance chosen; each instance is read in place, through `inout`
    /// (`Dictionary.Values`' subscript getter copies the whole instance on every read), which is
    /// why it is `mutating`.
    private mutating func leastBusy(
        after tried: Tried,
        where include: (Bool, Bool, Bool) -> Bool
    ) -> Dictionary<String, Instance>.Index? {
        var chosen: Dictionary<String, Instance>.Index?
        var chosenIsFresh = false
        var least = Int.max
        var ties = 0
        var index = instances.startIndex
        while index != instances.endIndex {
            defer { index = instances.index(after: index) }
            let (healthy, alive, stopping, load) = Self.standing(&instances.values[index])
            guard include(healthy, alive, stopping) else { continue }
            // A new call was tried nowhere: no copy of the instance's name to compare.
            let fresh = tried.isEmpty || !tried.contains(instances.keys[index])
            if chosen == nil || (fresh && !chosenIsFresh) || (fresh == chosenIsFresh && load < least) {
                (chosen, chosenIsFresh, least, ties) = (index, fresh, load, 1)
            } else if fresh == chosenIsFresh && load == least {
                ties += 1
                if rotation % ties == 0 { chosen = index }
            }
        }
        return chosen
    }
}

extension RPCClientStateMachine.Action: Equatable where Waiter: Equatable {}

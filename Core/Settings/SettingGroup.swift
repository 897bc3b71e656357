/// A value whose stored ``Setting``s count as its holder's own: a service that keeps one in a
/// stored property declares them, so `--help` lists them and a start checks them.
///
/// For the settings of a child that a service adds only as it starts, once it knows what the
/// child needs (an announcer of an endpoint bound on a free port, say): declared from the
/// beginning, they are listed before anything runs.
///
/// ```swift
/// struct LeaseSettings: SettingGroup {
///     let ttl = Setting("lease.ttl", default: Duration.seconds(10), help: "Lease time")
/// }
///
/// final class Worker: Service, @unchecked Sendable {
///     private let lease = LeaseSettings()  // its child Leaser, added in doStart(), reads lease.ttl
/// }
/// ```
public protocol SettingGroup: Sendable {}

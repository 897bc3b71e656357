import Hummingbird
import Synchronization

/// An object a closure built before it (such as a router's handler) reaches once it exists:
/// set once after init, held weakly (the object owns the closure), read under a lock.
final class WeakReference<Object: AnyObject & Sendable>: Sendable {
    private struct Reference {
        weak var object: Object?
    }
    private let value = Mutex(Reference())

    func set(_ object: Object) { value.withLock { $0.object = object } }

    /// The object; `nil` before ``set(_:)`` or once it is gone.
    var object: Object? { value.withLock { $0.object } }

    /// The object, for an HTTP handler: a 503 when it is not there.
    func require() throws -> Object {
        guard let object else { throw HTTPError(.serviceUnavailable) }
        return object
    }
}

/// A service the ``Runner`` can create by name: it has an initializer without arguments.
///
/// ```swift
/// final class HelloWorld: Service, RunnableService {
///     required init() {
///         super.init()
///     }
///
///     override func doStart() async throws { ... }
/// }
/// ```
public protocol RunnableService: Service {
    /// Creates the service with its default configuration; settings are read later, live.
    init()
}

extension RunnableService {
    /// The name the runner knows the service by: its type's name.
    static var runnerName: String { String(describing: self) }
}

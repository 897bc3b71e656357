import Logging

/// The log of one start or stop of a tree: the logger of the service it began with, kept only if
/// that logger logs debug lines. The lifecycle lines of every service are debug lines, so with
/// debug off (as in production) each service's start and stop costs no log-level check.
struct LifecycleLog {
    private let logger: Logger?

    init(_ logger: Logger) {
        self.logger = logger.logLevel <= .debug ? logger : nil
    }

    func debug(_ message: @autoclosure () -> Logger.Message) {
        logger?.debug(message())
    }
}

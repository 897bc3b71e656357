/// An error of the runner or the manager, with the exit code the process ends with.
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, and its exit code.
    public struct Code: Hashable, Sendable {
        /// The process exit status.
        public let exitStatus: Int32

        /// Bad command line: unknown service, unknown action (64, `EX_USAGE`).
        public static let usage = Code(exitStatus: 64)
        /// Bad configuration: a setting's value, a config file (78, `EX_CONFIG`).
        public static let configuration = Code(exitStatus: 78)
        /// The service failed to start, or a daemon is already running (1).
        public static let failure = Code(exitStatus: 1)
        /// `ctl status`: the daemon is not running (3, as LSB init scripts).
        public static let notRunning = Code(exitStatus: 3)
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

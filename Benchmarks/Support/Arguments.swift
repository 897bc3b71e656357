/// The command line of a benchmark executable: `--name value` options with defaults.
///
/// ```swift
/// let port = Arguments.int("--port", default: 7000)
/// ```
public enum Arguments {
    /// The value after `name`, or `value` when it is absent.
    public static func string(_ name: String, default value: String) -> String {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
        return arguments[index + 1]
    }

    /// The integer after `name`, or `value` when it is absent or not a number.
    public static func int(_ name: String, default value: Int) -> Int {
        Int(string(name, default: String(value))) ?? value
    }
}

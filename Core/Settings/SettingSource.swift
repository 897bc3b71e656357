/// Where a setting's value comes from, highest precedence first.
public enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    /// `--set key=value` on the command line (or overrides given in code).
    case override(key: String)
    /// An environment variable, such as `RATE_PER_MINUTE`.
    case environment(variable: String)
    /// The config file, with the line of the key where known.
    case file(path: String, line: Int?)
    /// The setting's default.
    case `default`

    public var description: String {
        switch self {
        case .override(let key): "--set \(key)"
        case .environment(let variable): "environment variable \(variable)"
        case .file(let path, let line?): "\(path), line \(line)"
        case .file(let path, nil): path
        case .default: "default"
        }
    }
}

import Configuration
import Foundation
import Yams

/// A YAML or JSON config file, parsed by swift-configuration's snapshots; Yams tells the line of
/// a key or of a syntax error, for error messages.
struct ConfigFile: Sendable {
    let path: String
    let snapshot: any ConfigSnapshot
    private let text: String

    /// Reads and parses the file: JSON if it ends in `.json` or starts with `{`, YAML otherwise.
    init(path: String) throws(SettingError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw SettingError(key: nil, source: .file(path: path, line: nil), reason: reason)
        }
        self.path = path
        self.text = String(decoding: data, as: UTF8.self)
        let isJSON = path.hasSuffix(".json") || text.drop(while: \.isWhitespace).first == "{"
        do {
            if isJSON {
                snapshot = try JSONSnapshot(data: data.bytes, providerName: path, parsingOptions: .default)
            } else {
                snapshot = try YAMLSnapshot(data: data.bytes, providerName: path, parsingOptions: .default)
            }
        } catch {
            throw Self.parseError(error, path: path, text: text, format: isJSON ? "JSON" : "YAML")
        }
    }

    /// The value under `key`, written in a `service:` style top-level key, as plain text.
    func string(forKey key: String) -> String? {
        try? String.read(AbsoluteConfigKey(ConfigKey(key)), from: snapshot)
    }

    /// The line of `key` in the file and its value as written there.
    func location(of key: String) -> (line: Int, text: String)? {
        guard let root = try? Yams.compose(yaml: text) else { return nil }
        return Self.find(key[...], in: root)
    }

    private static func find(_ key: Substring, in node: Node) -> (line: Int, text: String)? {
        guard let mapping = node.mapping else { return nil }
        for (nameNode, value) in mapping {
            guard let name = nameNode.string else { continue }
            if name == key {
                let text = value.scalar?.string ?? value.sequence.map { "\(Array($0).compactMap(\.string))" } ?? ""
                return ((value.mark ?? nameNode.mark).map(\.line) ?? 0, text)
            }
            if key.hasPrefix(name + "."), let found = find(key.dropFirst(name.count + 1), in: value) {
                return found
            }
        }
        return nil
    }

    private static func parseError(_ error: any Error, path: String, text: String, format: String) -> SettingError {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        if format == "JSON", let offset = characterOffset(in: detail) {
            // Foundation's JSON parser names a character offset; turn it into a line.
            let prefix = text.utf8.prefix(offset)
            let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
            return SettingError(key: nil, source: .file(path: path, line: line), reason: "not valid JSON: \(detail)")
        }
        // Yams names the line and column of a YAML syntax error.
        var line: Int?
        var reason = "not valid \(format): \(detail)"
        do {
            _ = try Yams.compose(yaml: text)
        } catch let yamlError as YamlError {
            switch yamlError {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                line = mark.line
                reason = "not valid \(format), column \(mark.column): \(problem)"
            default:
                break
            }
        } catch {}
        return SettingError(key: nil, source: .file(path: path, line: line), reason: reason)
    }

    /// The number in "… around character 42." of a Foundation JSON error.
    private static func characterOffset(in detail: String) -> Int? {
        guard let range = detail.range(of: "character ") else { return nil }
        return Int(detail[range.upperBound...].prefix { $0.isNumber })
    }
}

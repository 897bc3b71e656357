import Foundation

/// A file in a fresh temporary directory, removed when the test is done with it.
struct TemporaryFile {
    let directory: URL
    let path: String

    init(_ name: String, _ contents: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ginkgo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent(name).path
        try write(contents)
    }

    func write(_ contents: String) throws {
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

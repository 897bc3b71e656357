import Foundation

/// `ctl logtail`: prints the last lines of the log file, then follows it — woken by inotify,
/// never by polling — across truncation and logrotate's move-and-recreate, until interrupted.
struct LogTail: Sendable {
    let path: String
    var lines = 10

    /// Follows the file on a thread of its own (it blocks in `read(2)` on inotify).
    func follow() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try self.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func run() throws(RunnerError) {
        let notify = inotify_init1(Int32(IN_CLOEXEC))
        guard notify >= 0 else { throw RunnerError(.failure, "inotify: \(String(cString: strerror(errno)))") }
        defer { close(notify) }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard inotify_add_watch(notify, directory, UInt32(IN_CREATE | IN_MOVED_TO)) >= 0 else {
            throw RunnerError(.failure, "cannot watch \(directory): \(String(cString: strerror(errno)))")
        }
        var file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { throw RunnerError(.failure, "no log file at \(path)") }
        var fileWatch = inotify_add_watch(notify, path, UInt32(IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF))
        var offset = printTail(of: file)
        var events = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(notify, &events, events.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            var replaced = false
            var position = 0
            while position < count {
                let event = events.withUnsafeBytes { $0.load(fromByteOffset: position, as: inotify_event.self) }
                let nameStart = position + MemoryLayout<inotify_event>.size
                let eventName =
                    event.len > 0
                    ? String(cString: Array(events[nameStart..<(nameStart + Int(event.len))]) + [0]) : ""
                if event.wd != fileWatch, eventName == name { replaced = true }
                position = nameStart + Int(event.len)
            }
            offset = copyNewBytes(from: file, at: offset)
            if replaced {
                // logrotate moved the file away and a new one took its name: follow the new one.
                inotify_rm_watch(notify, fileWatch)
                close(file)
                file = open(path, O_RDONLY | O_CLOEXEC)
                guard file >= 0 else { return }
                fileWatch = inotify_add_watch(notify, path, UInt32(IN_MODIFY | IN_MOVE_SELF | IN_DELETE_SELF))
                offset = copyNewBytes(from: file, at: 0)
            }
        }
    }

    /// Prints the last `lines` lines; returns the end offset.
    private func printTail(of file: Int32) -> off_t {
        let end = lseek(file, 0, SEEK_END)
        let start = max(0, end - 64 * 1024)
        var buffer = [UInt8](repeating: 0, count: Int(end - start))
        let count = pread(file, &buffer, buffer.count, start)
        guard count > 0 else { return end }
        var lineList = buffer[0..<count].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lineList.last?.isEmpty == true { lineList.removeLast() }
        for line in lineList.suffix(lines) { writeOut(Array(line) + [UInt8(ascii: "\n")]) }
        return end
    }

    /// Prints what was appended since `offset` (from the start if the file was truncated).
    private func copyNewBytes(from file: Int32, at offset: off_t) -> off_t {
        var offset = offset
        var info = stat()
        if fstat(file, &info) == 0, info.st_size < offset { offset = 0 }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = pread(file, &buffer, buffer.count, offset)
            guard count > 0 else { return offset }
            writeOut(Array(buffer[0..<count]))
            offset += off_t(count)
        }
    }

    private func writeOut(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = write(STDOUT_FILENO, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                written += count
            }
        }
    }
}

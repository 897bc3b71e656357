#if canImport(Glibc)
    import Glibc
#endif
import TestSupport
import Testing

/// The tests' own process launcher (in place of Foundation's `Process`, whose `run()` crashes now
/// and then on Linux): exit statuses, signals, output, environment, directory, and a missing
/// executable.
struct SpawnedChildTests {
    @Test func reportsTheExitStatusAndTheOutputOfBothStreams() async throws {
        let child = try SpawnedProcess("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], output: .pipe)
        #expect(await child.output() == "out\nerr\n")
        #expect(await child.exit() == .exited(3))
        #expect(!child.isRunning)
    }

    @Test func runsWithTheGivenEnvironmentInTheGivenDirectory() async throws {
        let child = try SpawnedProcess(
            "/bin/sh",
            ["-c", "echo \"$GREETING\" \"$(pwd)\""],
            environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"],
            directory: "/tmp",
            output: .pipe
        )
        #expect(await child.output() == "hello /tmp\n")
        #expect(child.waitUntilExit() == .exited(0))
    }

    @Test func aSignalEndsTheChildAndSaysWhich() async throws {
        let child = try SpawnedProcess("/bin/sleep", ["60"], output: .discard)
        #expect(child.isRunning)
        child.signal(SIGTERM)
        #expect(await child.exit() == .signalled(SIGTERM))
        child.signal(SIGKILL)  // after the exit: nothing to signal, and no error
    }

    @Test func aChildInheritsNoDescriptorButItsStreams() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)  // not close-on-exec
        defer { close(ends[0]) }
        defer { close(ends[1]) }
        let child = try SpawnedProcess("/bin/sh", ["-c", "ls /proc/self/fd"], output: .pipe)
        let descriptors = await child.output().split(separator: "\n").compactMap { Int32($0) }
        // 0, 1 and 2, and the one `ls` opened to list the directory: not the pipe above.
        #expect(descriptors.allSatisfy { $0 <= 3 }, "\(descriptors), the pipe being \(ends)")
    }

    @Test func aMissingExecutableIsAnErrorThatNamesIt() {
        #expect {
            _ = try SpawnedProcess("/no/such/program", [])
        } throws: { error in
            "\(error)" == "cannot start /no/such/program: No such file or directory"
        }
    }

    @Test func aChildItsOwnerDropsIsKilled() async throws {
        var child: SpawnedProcess? = try SpawnedProcess("/bin/sleep", ["60"], output: .discard)
        let pid = try #require(child?.pid)
        child = nil
        // Reaped by the deinit, so the pid names no process of ours any more.
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }
}
